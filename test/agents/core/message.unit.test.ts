// Messages as threads store them: the parts of an ai SDK response message a thread keeps, and the
// shapes it refuses.
import { describe, expect, it } from "vitest";
import { toThreadMessage } from "../../../src/agents/core/message.ts";

describe("toThreadMessage", () => {
  it("keeps text, reasoning, tool calls and results; drops parts a thread cannot store", () => {
    expect(
      toThreadMessage({
        role: "assistant",
        content: [
          { type: "reasoning", text: "hmm", providerOptions: { x: { y: 1 } } },
          { type: "file", data: new Uint8Array([1]), mediaType: "image/png" },
          { type: "text", text: "Hi" },
          { type: "tool-call", toolCallId: "c", toolName: "t", input: { a: 1 } },
        ],
      }),
    ).toEqual({
      role: "assistant",
      content: [
        { type: "reasoning", text: "hmm" },
        { type: "text", text: "Hi" },
        { type: "tool-call", toolCallId: "c", toolName: "t", input: { a: 1 } },
      ],
    });
  });

  it("refuses what is not a message", () => {
    expect(toThreadMessage({ role: "robot", content: "beep" })).toBeNull();
    expect(toThreadMessage("hello")).toBeNull();
  });
});
