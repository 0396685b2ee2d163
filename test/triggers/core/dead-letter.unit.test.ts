// The dead letter of a bad queue message: the body as it came, where it came from, and the refusal with
// JSON Pointer paths into the body (the API's problem+json `errors`), kept small enough for a queue.
import { describe, expect, it } from "vitest";
import { StepwiseError } from "../../../src/kernel/index.ts";
import { DEAD_LETTER_FORMAT, DeadLetter, deadLetter, MAX_DEAD_LETTER_ERRORS } from "../../../src/triggers/core/index.ts";

const message = { id: "m-1", timestamp: new Date("2026-11-17T09:00:00Z"), attempts: 2, body: { name: 42 } };

describe("deadLetter", () => {
  it("keeps the body, the message's id, attempts and time, and the refusal's code, message and paths", () => {
    const refusal = new StepwiseError("run.invalid_args", "invalid args", {
      details: {
        issues: [
          { path: ["name"], message: "expected string" },
          { path: ["a/b", "~c", 0], message: "bad" },
        ],
      },
    });
    const letter = deadLetter("jobs", "greet", message, refusal.toJSON());
    expect(letter).toEqual({
      format: DEAD_LETTER_FORMAT,
      queue: "jobs",
      messageId: "m-1",
      attempts: 2,
      sentAt: "2026-11-17T09:00:00.000Z",
      workflow: "greet",
      error: {
        code: "run.invalid_args",
        message: "invalid args",
        errors: [
          { path: "/name", message: "expected string" },
          { path: "/a~1b/~0c/0", message: "bad" },
        ],
      },
      body: { name: 42 },
    });
    expect(DeadLetter.parse(JSON.parse(JSON.stringify(letter)))).toEqual(letter);
  });

  it("has no errors list for a refusal without field paths", () => {
    const letter = deadLetter("jobs", "greet", message, { code: "workflow.not_found", message: "no workflow" });
    expect(letter.error).toEqual({ code: "workflow.not_found", message: "no workflow" });
  });

  it("keeps at most MAX_DEAD_LETTER_ERRORS paths and clips long messages", () => {
    const issues = Array.from({ length: 50 }, (_, i) => ({ path: [String(i)], message: "x".repeat(2_000) }));
    const letter = deadLetter("jobs", "greet", message, { code: "run.invalid_args", message: "y".repeat(2_000), details: { issues } });
    expect(letter.error.errors).toHaveLength(MAX_DEAD_LETTER_ERRORS);
    expect(letter.error.errors?.[0]?.message.length).toBeLessThanOrEqual(501);
    expect(letter.error.message.length).toBeLessThanOrEqual(501);
  });
});
