// The Agent over the ai SDK with MockLanguageModelV4: history in the context, promptMessageId under
// a retried action, tools and their saved results, structured output that does not match, usage.
import { env } from "cloudflare:workers";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import { createThread, listMessages, saveMessage, type MessageRecord } from "../../src/agents/index.ts";
import { mock, textResult, toolCallResult, usage } from "../fixtures/agents/mock-model.ts";
import { mockAgent } from "../fixtures/agents/workflows.ts";
import { fireUntil, logged, startRun, view } from "../helpers/runtime.ts";

afterEach(() => {
  mock.model = undefined;
});

async function messages(threadId: string): Promise<MessageRecord[]> {
  return (await listMessages(env, threadId, { limit: 100 })).messages;
}

/** Role and text of each message the model was sent. */
function sent(model: MockLanguageModelV4, call: number): { role: string; text: string }[] {
  return model.doGenerateCalls[call]!.prompt.map((m) => ({
    role: m.role,
    text: typeof m.content === "string" ? m.content : m.content.map((p) => (p.type === "text" ? p.text : p.type)).join("|"),
  }));
}

describe("context", () => {
  it("sends the thread's history before the prompt, then saves the prompt and the answer", async () => {
    const { threadId } = await createThread(env, { userId: "ada" });
    await saveMessage(env, { threadId, prompt: "My name is Ada." });
    await saveMessage(env, { threadId, message: { role: "assistant", content: "Nice to meet you, Ada." } });
    const model = (mock.model = new MockLanguageModelV4({ doGenerate: [textResult("Your name is Ada.")] }));

    const result = await mockAgent.generateText(env, { threadId }, { prompt: "What is my name?" });

    expect(sent(model, 0)).toEqual([
      { role: "system", text: "You are a test agent." },
      { role: "user", text: "My name is Ada." },
      { role: "assistant", text: "Nice to meet you, Ada." },
      { role: "user", text: "What is my name?" },
    ]);
    expect(result).toMatchObject({ text: "Your name is Ada.", threadId, finishReason: "stop", messageIds: [result.messageId] });
    const saved = await messages(threadId);
    expect(saved.map((m) => [m.role, m.text])).toEqual([
      ["user", "My name is Ada."],
      ["assistant", "Nice to meet you, Ada."],
      ["user", "What is my name?"],
      ["assistant", "Your name is Ada."],
    ]);
    expect(saved[3]).toMatchObject({ id: result.messageId, promptMessageId: result.promptMessageId, agentName: "mock", final: true, status: "success" });
  });

  it("keeps to the recent-messages window (10 for this agent)", async () => {
    const { threadId } = await createThread(env, { userId: "ada" });
    for (let i = 1; i <= 12; i++) await saveMessage(env, { threadId, prompt: `note ${i}` });
    const model = (mock.model = new MockLanguageModelV4({ doGenerate: [textResult("ok")] }));
    await mockAgent.generateText(env, { threadId }, { prompt: "latest" });
    expect(sent(model, 0).map((m) => m.text)).toEqual(["You are a test agent.", ...Array.from({ length: 10 }, (_, i) => `note ${i + 3}`), "latest"]);
  });
});

describe("promptMessageId under a retried action", () => {
  it("an answer saved before the step failed is returned by the retry: the model is not called again", async () => {
    const model = (mock.model = new MockLanguageModelV4({ doGenerate: [textResult("The answer is 42.")] }));
    const { stub, status } = await startRun("mock-answer", { prompt: "What is the answer?", maxAttempts: 2, crashAfterSave: true });
    expect(status).toBe("sleeping"); // attempt 1 saved its answer, then failed; a retry is scheduled
    const v = await fireUntil(stub, (r) => r.status === "completed");
    const result = v.result as { threadId: string; text: string; messageIds: string[]; promptMessageId: string };
    expect(v.steps!.find((s) => s.kind === "action")).toMatchObject({ status: "completed", attempts: 2 });
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(result.text).toBe("The answer is 42.");
    const saved = await messages(result.threadId);
    expect(saved.map((m) => [m.role, m.text])).toEqual([
      ["user", "What is the answer?"],
      ["assistant", "The answer is 42."],
    ]);
    expect(result.messageIds).toEqual([saved[1]!.id]);
  });

  it("an answer cut short by a failing model continues from its saved tool results: one prompt, one answer", async () => {
    let calls = 0;
    const model = (mock.model = new MockLanguageModelV4({
      doGenerate: async () => {
        calls++;
        if (calls === 1) return toolCallResult([{ id: "call-1", name: "add", input: { a: 2, b: 3 } }]);
        if (calls === 2) throw new Error("upstream 503");
        return textResult("2 + 3 = 5.");
      },
    }));
    const { stub, status } = await startRun("mock-answer", { prompt: "What is 2 + 3?", maxAttempts: 2 });
    expect(status).toBe("sleeping");
    const v = await fireUntil(stub, (r) => r.status === "completed");
    const result = v.result as { threadId: string; text: string; messageIds: string[] };
    expect(result.text).toBe("2 + 3 = 5.");
    expect(model.doGenerateCalls).toHaveLength(3);
    // The retry's call carries the tool call and result the first attempt saved.
    expect(sent(model, 2).map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    const saved = await messages(result.threadId);
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(saved.filter((m) => m.role === "user")).toHaveLength(1);
    expect(result.messageIds).toEqual(saved.slice(1).map((m) => m.id));
    expect(await logged(`tool/${result.threadId}`)).toHaveLength(1); // the tool ran once
  });
});

describe("tools", () => {
  it("runs tools with a context that knows the thread, saves calls and results, and returns errors to the model", async () => {
    const { threadId } = await createThread(env, { userId: "ada" });
    const model = (mock.model = new MockLanguageModelV4({
      doGenerate: [
        toolCallResult([
          { id: "call-add", name: "add", input: { a: 2, b: 3 } },
          { id: "call-boom", name: "explode", input: {} },
        ]),
        textResult("The sum is 5; the other tool failed."),
      ],
    }));

    const result = await mockAgent.generateText(env, { threadId }, { prompt: "Add 2 and 3, and explode." });

    expect(await logged(`tool/${threadId}`)).toEqual([{ tool: "add", runId: null, agentName: "mock", toolCallId: "call-add" }]);
    const saved = await messages(threadId);
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(saved[1]!.message.content).toEqual([
      { type: "tool-call", toolCallId: "call-add", toolName: "add", input: { a: 2, b: 3 } },
      { type: "tool-call", toolCallId: "call-boom", toolName: "explode", input: {} },
    ]);
    expect(saved[2]!.message.content).toEqual([
      { type: "tool-result", toolCallId: "call-add", toolName: "add", output: { type: "json", value: { sum: 5 } } },
      {
        type: "tool-result",
        toolCallId: "call-boom",
        toolName: "explode",
        output: { type: "error-text", value: expect.stringContaining("the explode tool exploded") },
      },
    ]);
    // The model's second call saw both results, the error included.
    const toolMessage = model.doGenerateCalls[1]!.prompt.at(-1)!;
    expect(toolMessage.role).toBe("tool");
    expect(JSON.stringify(toolMessage.content)).toContain("the explode tool exploded");
    expect(result.messageIds).toEqual(saved.slice(1).map((m) => m.id));
    expect(result.text).toBe("The sum is 5; the other tool failed.");
  });
});

describe("structured output", () => {
  it("an answer that does not match the schema fails the step with agent.invalid_object and is saved as failed", async () => {
    mock.model = new MockLanguageModelV4({ doGenerate: [textResult('{"verdict":"maybe","confidence":2}')] });
    const { stub, status } = await startRun("mock-object", { prompt: "Is it?" });
    expect(status).toBe("failed");
    const v = await view(stub);
    expect(v.error!.code).toBe("agent.invalid_object");
    expect(v.error!.message).toMatch(/does not match the schema/);
    expect(v.steps!.find((s) => s.kind === "action")).toMatchObject({ status: "failed", attempts: 1 });
    const threadId = (v.steps!.find((s) => s.name === "createThread")!.result as { threadId: string }).threadId;
    const saved = await messages(threadId);
    expect(saved.map((m) => [m.role, m.status])).toEqual([
      ["user", "success"],
      ["assistant", "failed"],
    ]);
    expect(saved[1]).toMatchObject({ text: '{"verdict":"maybe","confidence":2}', error: { code: "agent.invalid_object" } });
  });

  it("the mismatch is retryable: the next attempt's valid object completes the step", async () => {
    const model = (mock.model = new MockLanguageModelV4({ doGenerate: [textResult('{"verdict":"maybe"}'), textResult('{"verdict":"yes","confidence":0.9}')] }));
    const { stub } = await startRun("mock-object", { prompt: "Is it?", maxAttempts: 2 });
    const v = await fireUntil(stub, (r) => r.status === "completed");
    expect(v.result).toMatchObject({ object: { verdict: "yes", confidence: 0.9 } });
    expect(model.doGenerateCalls).toHaveLength(2);
    // The failed answer is kept for the record but is not what the retry continued from.
    expect(sent(model, 1).map((m) => m.role)).toEqual(["system", "user"]);
    expect(model.doGenerateCalls[0]!.responseFormat).toMatchObject({ type: "json", schema: { type: "object", required: ["verdict", "confidence"] } });
  });

  it("an answer cut off with no text (finish reason length) is a failed, retryable answer, never a final one", async () => {
    const cutOff = { content: [], finishReason: { unified: "length" as const, raw: "length" }, usage: usage(12, 0), warnings: [] };
    const model = (mock.model = new MockLanguageModelV4({ doGenerate: [cutOff, textResult('{"verdict":"no","confidence":0.7}')] }));
    const { stub } = await startRun("mock-object", { prompt: "Is it?", maxAttempts: 2 });
    const v = await fireUntil(stub, (r) => r.status === "completed");
    expect(v.result).toMatchObject({ object: { verdict: "no", confidence: 0.7 } });
    expect(model.doGenerateCalls).toHaveLength(2);
    const threadId = (v.steps!.find((s) => s.name === "createThread")!.result as { threadId: string }).threadId;
    const saved = await messages(threadId);
    expect(saved.map((m) => [m.role, m.status, m.final])).toEqual([
      ["user", "success", false],
      ["assistant", "failed", false],
      ["assistant", "success", true],
    ]);
    expect(saved[1]).toMatchObject({ error: { code: "agent.invalid_object" } });
  });
});

describe("usage", () => {
  it("records each model call's usage, model and agent on its message, and sums them in the result", async () => {
    const { threadId } = await createThread(env, { userId: "ada" });
    mock.model = new MockLanguageModelV4({
      provider: "test-provider",
      modelId: "test-model",
      doGenerate: [toolCallResult([{ id: "c1", name: "add", input: { a: 1, b: 1 } }], usage(8, 3)), textResult("2", usage(20, 7))],
    });
    const result = await mockAgent.generateText(env, { threadId }, { prompt: "1 + 1?" });
    expect(result.usage).toEqual({ inputTokens: 28, outputTokens: 10, totalTokens: 38 });
    expect(result.model).toBe("test-model");
    const assistants = (await messages(threadId)).filter((m) => m.role === "assistant");
    expect(assistants.map((m) => ({ usage: m.usage, model: m.model, provider: m.provider, agentName: m.agentName, finishReason: m.finishReason }))).toEqual([
      {
        usage: { inputTokens: 8, outputTokens: 3, totalTokens: 11 },
        model: "test-model",
        provider: "test-provider",
        agentName: "mock",
        finishReason: "tool-calls",
      },
      { usage: { inputTokens: 20, outputTokens: 7, totalTokens: 27 }, model: "test-model", provider: "test-provider", agentName: "mock", finishReason: "stop" },
    ]);
  });
});
