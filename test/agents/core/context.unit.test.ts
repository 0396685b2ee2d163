// The pure core of an agent turn: which messages the model gets for a saved prompt, when a saved
// answer is returned instead of a new one, and usage bookkeeping.
import { describe, expect, it } from "vitest";
import { planAnswer, sumUsage, toUsage } from "../../../src/agents/core/context.ts";
import { record } from "../../helpers/message-records.ts";

describe("planAnswer", () => {
  const history = [record({ role: "user", content: "Hi" }), record({ role: "assistant", content: "Hello" })];
  const prompt = record({ role: "user", content: "Weather?" });

  it("a fresh prompt: history, then the prompt", () => {
    expect(planAnswer({ prompt, history, responses: [] })).toEqual({
      kind: "continue",
      responses: [],
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Weather?" },
      ],
    });
  });

  it("a partial answer (a tool step saved, no final text): continues after it", () => {
    const call = record({ role: "assistant", content: [{ type: "tool-call", toolCallId: "c", toolName: "w", input: {} }] }, { promptMessageId: prompt.id });
    const result = record(
      { role: "tool", content: [{ type: "tool-result", toolCallId: "c", toolName: "w", output: { type: "json", value: 1 } }] },
      { promptMessageId: prompt.id },
    );
    const plan = planAnswer({ prompt, history: [], responses: [call, result] });
    expect(plan.kind).toBe("continue");
    expect(plan.kind === "continue" && plan.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
  });

  it("drops tool results at the start of the window, whose calls fell outside it", () => {
    const orphan = record({ role: "tool", content: [{ type: "tool-result", toolCallId: "old", toolName: "w", output: { type: "text", value: "x" } }] });
    const plan = planAnswer({ prompt, history: [orphan, ...history], responses: [] });
    expect(plan.kind === "continue" && plan.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("a finished answer: returned as is, no model call", () => {
    const answer = record({ role: "assistant", content: "Sunny" }, { promptMessageId: prompt.id, final: true });
    expect(planAnswer({ prompt, history, responses: [answer] })).toEqual({ kind: "answered", responses: [answer] });
  });
});

describe("usage", () => {
  it("maps the ai SDK's usage and sums an answer's messages", () => {
    const u = toUsage({
      inputTokens: 10,
      outputTokens: 4,
      totalTokens: 14,
      inputTokenDetails: { noCacheTokens: 6, cacheReadTokens: 4, cacheWriteTokens: undefined },
      outputTokenDetails: { textTokens: 3, reasoningTokens: 1 },
    });
    expect(u).toEqual({ inputTokens: 10, outputTokens: 4, totalTokens: 14, reasoningTokens: 1, cachedInputTokens: 4 });
    expect(sumUsage([{ usage: u }, { usage: null }, { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }])).toEqual({
      inputTokens: 11,
      outputTokens: 5,
      totalTokens: 16,
      reasoningTokens: 1,
      cachedInputTokens: 4,
    });
  });

  it("counts missing numbers as zero", () => {
    expect(
      toUsage({
        inputTokens: undefined,
        outputTokens: 3,
        totalTokens: undefined,
        inputTokenDetails: { noCacheTokens: undefined, cacheReadTokens: undefined, cacheWriteTokens: undefined },
        outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
      }),
    ).toEqual({
      inputTokens: 0,
      outputTokens: 3,
      totalTokens: 3,
    });
  });
});
