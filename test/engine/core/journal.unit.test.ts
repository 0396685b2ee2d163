// Status derivation and payload encoding without the runtime (replay decisions: step-machine tests).
import { describe, expect, it } from "vitest";
import { liveStatus } from "../../../src/engine/core/journal.ts";
import { encodePayload, MAX_PAYLOAD_BYTES } from "../../../src/kernel/payload.ts";
import { StepwiseError, toSerializedError, NonRetryableError } from "../../../src/kernel/errors.ts";

describe("liveStatus", () => {
  it.each([
    [[], "running"],
    [[{ status: "sleeping" }], "sleeping"],
    [[{ status: "retrying" }], "sleeping"],
    [[{ status: "sleeping" }, { status: "waiting" }], "waiting"],
    [[{ status: "waiting" }, { status: "running" }], "running"],
  ] as const)("%j is %s", (open, expected) => {
    expect(liveStatus(open)).toBe(expected);
  });
});

describe("payloads", () => {
  it("stores undefined as NULL and refuses more than 1 MiB", () => {
    expect(encodePayload(undefined, "x")).toBeNull();
    expect(encodePayload({ a: 1 }, "x")).toBe('{"a":1}');
    expect(() => encodePayload("é".repeat(MAX_PAYLOAD_BYTES / 2), "the thing")).toThrow(expect.objectContaining({ code: "step.payload_too_large" }));
  });
});

describe("errors", () => {
  it("keeps code and retryable through serialization", () => {
    const e = StepwiseError.fromJSON(new NonRetryableError("nope", { code: "billing.declined" }).toJSON());
    expect([e.code, e.retryable, e.message]).toEqual(["billing.declined", false, "nope"]);
    expect(toSerializedError(new Error("flaky"))).toEqual({ code: "action.failed", message: "flaky", retryable: true });
  });
});

describe("parseJournalRow", () => {
  it("reads a raw row and refuses a malformed one", async () => {
    const { parseJournalRow } = await import("../../../src/engine/core/journal.ts");
    expect(parseJournalRow([3, "charge", "action", "completed", 1, "1", null, null])).toEqual({
      seq: 3,
      name: "charge",
      kind: "action",
      status: "completed",
      attempts: 1,
      result: "1",
      error: null,
      detail: null,
    });
    expect(() => parseJournalRow([3, "charge", "teleport", "completed", 1, null, null, null])).toThrow(
      expect.objectContaining({ code: "step.corrupt_journal" }),
    );
    expect(() => parseJournalRow([3, "charge", "action", "completed", 1, 42, null, null])).toThrow(expect.objectContaining({ code: "step.corrupt_journal" }));
  });
});
