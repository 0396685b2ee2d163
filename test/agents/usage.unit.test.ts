// What an agent answer reports as its step's usage: keyed by its prompt when saved in a thread (a retry
// restates it), unkeyed without one (each attempt called the model afresh), and always a valid report.
import { describe, expect, it } from "vitest";
import { answerReport } from "../../src/agents/usage.ts";

const answer = { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, model: "model-a", provider: "mock", promptMessageId: "msg_1" as string | null };

describe("answerReport", () => {
  it("keys an answer saved in a thread by its prompt", () => {
    expect(answerReport(answer)).toEqual({ model: "model-a", provider: "mock", inputTokens: 10, outputTokens: 5, totalTokens: 15, key: "agent.answer:msg_1" });
  });

  it("leaves an answer without a thread unkeyed", () => {
    expect(answerReport({ ...answer, promptMessageId: null })).not.toHaveProperty("key");
  });

  it("makes whatever a provider said fit a usage report: a model name, whole non-negative tokens", () => {
    const odd = { ...answer, model: "", usage: { inputTokens: Number.NaN, outputTokens: -3, totalTokens: 2.6 } };
    expect(answerReport(odd)).toMatchObject({ model: "unknown", inputTokens: 0, outputTokens: 0, totalTokens: 3 });
  });
});
