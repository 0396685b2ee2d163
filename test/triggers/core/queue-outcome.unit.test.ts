// What becomes of a message whose run did not start: a refusal no retry can change is dead-lettered,
// anything else is retried after a backoff in whole seconds; and the key a message's run is started under.
import { describe, expect, it } from "vitest";
import { StepwiseError } from "../../../src/kernel/index.ts";
import { failureOutcome, messageRunKey, retryDelaySeconds } from "../../../src/triggers/core/index.ts";

describe("messageRunKey", () => {
  it("derives from the queue and the message id, so the same id on another queue is another run", () => {
    expect(messageRunKey("jobs", "m-1")).toBe("queue:jobs:m-1");
    expect(messageRunKey("jobs", "m-1")).not.toBe(messageRunKey("other", "m-1"));
  });
});

describe("failureOutcome", () => {
  it.each([
    ["invalid args", new StepwiseError("run.invalid_args", "bad args")],
    ["a body that is not JSON", new StepwiseError("queue.body_not_json", "a Date")],
    ["an unknown workflow", new StepwiseError("workflow.not_found", "no workflow")],
    ["args over the payload limit", new StepwiseError("step.payload_too_large", "too big")],
  ])("dead-letters %s, with the error", (_, err) => {
    expect(failureOutcome(err, 1, 0.5)).toEqual({ kind: "dead-letter", error: err.toJSON() });
  });

  it.each([
    ["the run object unreachable (a plain Error)", new Error("Network connection lost.")],
    ["a retryable StepwiseError", new StepwiseError("internal", "try again")],
    ["something thrown that is not an Error", "overloaded"],
  ])("retries %s", (_, err) => {
    expect(failureOutcome(err, 1, 0)).toEqual({ kind: "retry", delaySeconds: 5 });
  });
});

describe("retryDelaySeconds", () => {
  it.each([
    [1, 0, 5],
    [1, 1, 10],
    [2, 0, 10],
    [3, 1, 40],
    [7, 1, 600],
    [50, 0.5, 450],
    [0, 1, 10],
  ])("after delivery %i with random %d waits %i s", (attempts, random, seconds) => {
    expect(retryDelaySeconds(attempts, random)).toBe(seconds);
  });
});
