// workers-ai-provider against a stub AI binding that answers with Workers AI's own response shapes
// (plain text, tool calls, an SSE stream), so the real provider code runs; and model selection.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Agent, createThread, defaultModel, listMessages, OfflineLanguageModel, type MessageRecord } from "../../../src/agents/index.ts";
import { getWeather } from "../../../src/workflows/example-tools.ts";

const MODEL_ID = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

type Answer = Record<string, unknown> | ReadableStream<Uint8Array>;

/** Records each `run` call and answers with the next canned response. */
class StubAI {
  readonly calls: { model: string; inputs: Record<string, unknown>; options: unknown }[] = [];
  readonly #answers: Answer[];

  constructor(answers: Answer[]) {
    this.#answers = answers;
  }

  async run(model: string, inputs: Record<string, unknown>, options: unknown): Promise<Answer> {
    this.calls.push({ model, inputs, options });
    const next = this.#answers.shift();
    if (next === undefined) throw new Error("StubAI: no answer left");
    return next;
  }
}

/** The Worker env with a (stub) AI binding: what a deployment with `[ai] binding = "AI"` sees. */
function envWith(ai: StubAI, model = MODEL_ID): Env {
  // SAFETY: the provider only calls `run`, which StubAI implements with the binding's signature.
  return { ...env, AI: ai as unknown as Ai, STEPWISE_MODEL: model };
}

function sse(events: unknown[]): ReadableStream<Uint8Array> {
  const body = [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"].join("");
  return new ReadableStream({
    start(controller) {
      // Split mid-event, as a network would.
      const bytes = new TextEncoder().encode(body);
      for (let i = 0; i < bytes.length; i += 17) controller.enqueue(bytes.slice(i, i + 17));
      controller.close();
    },
  });
}

const weatherAgent = new Agent({ name: "weather", instructions: "You are a weather reporter.", tools: { getWeather } });
const plainAgent = new Agent({ name: "plain", instructions: "You are concise." });

async function messages(threadId: string): Promise<MessageRecord[]> {
  return (await listMessages(env, threadId)).messages;
}

describe("Workers AI through the AI binding", () => {
  it("plain text: the binding gets the model id and the messages; the answer is saved with its usage", async () => {
    const ai = new StubAI([{ response: "Hello from Workers AI.", usage: { prompt_tokens: 21, completion_tokens: 6, total_tokens: 27 } }]);
    const { threadId } = await createThread(env, { userId: "ada" });
    const result = await plainAgent.generateText(envWith(ai), { threadId }, { prompt: "Say hello." });

    expect(ai.calls).toHaveLength(1);
    expect(ai.calls[0]!.model).toBe(MODEL_ID);
    expect(ai.calls[0]!.inputs.messages).toEqual([
      { role: "system", content: "You are concise." },
      { role: "user", content: "Say hello." },
    ]);
    expect(result).toMatchObject({ text: "Hello from Workers AI.", model: MODEL_ID, usage: { inputTokens: 21, outputTokens: 6, totalTokens: 27 } });
    expect((await messages(threadId)).at(-1)).toMatchObject({
      role: "assistant",
      text: "Hello from Workers AI.",
      provider: "workersai.chat",
      model: MODEL_ID,
      final: true,
    });
  });

  it("tool calls (OpenAI-style choices): the tool runs, its result goes back to the binding, and everything is saved", async () => {
    const ai = new StubAI([
      {
        choices: [
          {
            message: { content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "getWeather", arguments: '{"city":"Paris"}' } }] },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 },
      },
      {
        choices: [{ message: { content: "It is mild in Paris." }, finish_reason: "stop" }],
        usage: { prompt_tokens: 80, completion_tokens: 8, total_tokens: 88 },
      },
    ]);
    const { threadId } = await createThread(env, { userId: "ada" });
    const result = await weatherAgent.generateText(envWith(ai), { threadId }, { prompt: "Weather in Paris?" });

    // The first request offered the tool in the OpenAI function format.
    expect(ai.calls[0]!.inputs.tools).toEqual([expect.objectContaining({ type: "function", function: expect.objectContaining({ name: "getWeather" }) })]);
    // The second request carried the call and its result back, under the binding's own call id.
    const second = ai.calls[1]!.inputs.messages as { role: string; tool_call_id?: string; content: unknown }[];
    expect(second.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(second[3]).toMatchObject({ tool_call_id: "call_1" });
    expect(JSON.stringify(second[3]!.content)).toContain("temperatureC");

    const saved = await messages(threadId);
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(saved[1]!.message.content).toEqual([expect.objectContaining({ type: "tool-call", toolName: "getWeather", input: { city: "Paris" } })]);
    expect(saved[1]!.final).toBe(false);
    expect(result).toMatchObject({ text: "It is mild in Paris.", usage: { inputTokens: 130, outputTokens: 20, totalTokens: 150 } });
  });

  it("tool calls (native shape, reported with finish reason stop) still end the answer only after the final text", async () => {
    const ai = new StubAI([
      {
        response: null,
        tool_calls: [{ name: "getWeather", arguments: { city: "Oslo" } }],
        usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 },
      },
      { response: "Cold in Oslo.", usage: { prompt_tokens: 70, completion_tokens: 5, total_tokens: 75 } },
    ]);
    const { threadId } = await createThread(env, { userId: "ada" });
    const result = await weatherAgent.generateText(envWith(ai), { threadId }, { prompt: "Weather in Oslo?" });
    expect(result.text).toBe("Cold in Oslo.");
    const saved = await messages(threadId);
    expect(saved.map((m) => [m.role, m.final])).toEqual([
      ["user", false],
      ["assistant", false],
      ["tool", false],
      ["assistant", true],
    ]);
  });

  it("a streamed response (SSE from the binding) streams text and saves the whole answer", async () => {
    const ai = new StubAI([
      sse([
        { response: "Streaming " },
        { response: "from " },
        { response: "Workers AI." },
        { response: "", usage: { prompt_tokens: 15, completion_tokens: 4, total_tokens: 19 } },
      ]),
    ]);
    const { threadId } = await createThread(env, { userId: "ada" });
    const stream = await plainAgent.streamText(envWith(ai), { threadId }, { prompt: "Stream something." });
    const chunks: string[] = [];
    for await (const chunk of stream.textStream) chunks.push(chunk);
    const done = await stream.done;

    expect(ai.calls[0]!.inputs.stream).toBe(true);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe("Streaming from Workers AI.");
    expect(done).toMatchObject({
      text: "Streaming from Workers AI.",
      usage: { inputTokens: 15, outputTokens: 4, totalTokens: 19 },
      promptMessageId: stream.promptMessageId,
    });
    expect((await messages(threadId)).map((m) => [m.role, m.text])).toEqual([
      ["user", "Stream something."],
      ["assistant", "Streaming from Workers AI."],
    ]);
  });
});

describe("model selection", () => {
  it.each([
    ["no AI binding", { STEPWISE_MODEL: MODEL_ID }, "offline"],
    ["STEPWISE_MODEL=offline", { STEPWISE_MODEL: "offline", AI: {} }, "offline"],
    ["an AI binding and a model id", { STEPWISE_MODEL: "@cf/qwen/qwen3-30b-a3b-fp8", AI: {} }, "@cf/qwen/qwen3-30b-a3b-fp8"],
    ["an AI binding, no model id", { STEPWISE_MODEL: "", AI: {} }, MODEL_ID],
  ])("%s", (_, vars, expected) => {
    // SAFETY: defaultModel reads only these two fields; the AI binding is not called here.
    const model = defaultModel(vars as unknown as Env);
    expect(typeof model === "string" ? model : model.modelId).toBe(expected);
    if (expected === "offline") expect(model).toBeInstanceOf(OfflineLanguageModel);
  });
});
