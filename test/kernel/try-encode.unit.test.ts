// encodePayload for RPC methods: a payload it refuses is a failure with its code, not a throw.
import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_BYTES, tryEncode } from "../../src/kernel/index.ts";

describe("tryEncode", () => {
  it("answers the JSON (or null for undefined)", () => {
    expect(tryEncode({ a: 1 }, "the args")).toEqual({ ok: true, value: '{"a":1}' });
    expect(tryEncode(undefined, "the args")).toEqual({ ok: true, value: null });
  });

  it.each([
    ["step.payload_too_large", "x".repeat(MAX_PAYLOAD_BYTES + 1)],
    ["step.payload_not_serializable", 10n],
  ])("answers %s as a failure", (code, value) => {
    expect(tryEncode(value, "the args")).toMatchObject({ ok: false, error: { code, message: expect.stringContaining("the args") } });
  });
});
