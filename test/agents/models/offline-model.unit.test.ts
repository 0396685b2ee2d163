// The offline model through the real ai SDK: deterministic, plausible text that names the offline
// model, tool calls when a tool fits, objects that match the requested schema, and streaming.
import { generateText, Output, stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { offlineModel } from "../../../src/agents/models/offline-model.ts";

const weather = tool({
  description: "Get the current weather for a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, temperatureC: 24, conditions: "sunny" }),
});

describe("offline model", () => {
  it("answers deterministically and names itself", async () => {
    const ask = () => generateText({ model: offlineModel(), instructions: "You are a travel agent.", prompt: "Where should I go in May?" });
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.text).toBe(b.text);
    expect(a.text).toMatch(/^\[offline model\] Travel agent here\. About "Where should I go in May\?":/);
    expect(a.text).toContain("no AI service was called");
    expect(a.usage.inputTokens).toBeGreaterThan(0);
    expect(a.usage.outputTokens).toBeGreaterThan(0);
  });

  it("calls a tool the question asks for, then answers from its result", async () => {
    const result = await generateText({
      model: offlineModel(),
      prompt: "What is the weather in Lisbon?",
      tools: { getWeather: weather },
      stopWhen: stepCountIs(3),
    });
    expect(result.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(result.steps[0]!.toolCalls[0]).toMatchObject({ toolName: "getWeather", input: { city: "Lisbon" } });
    expect(result.steps[0]!.text).toMatch(/^\[offline model\] Calling getWeather/);
    expect(result.text).toContain("getWeather returned city=Lisbon, temperatureC=24, conditions=sunny");
  });

  it("does not call a tool the question has nothing to do with", async () => {
    const result = await generateText({ model: offlineModel(), prompt: "Tell me a joke.", tools: { getWeather: weather }, stopWhen: stepCountIs(3) });
    expect(result.steps).toHaveLength(1);
    expect(result.toolCalls).toEqual([]);
  });

  it("calls a tool when the tool choice requires one", async () => {
    const result = await generateText({
      model: offlineModel(),
      prompt: "Anything.",
      tools: { getWeather: weather },
      toolChoice: "required",
      stopWhen: stepCountIs(1),
    });
    expect(result.toolCalls.map((c) => c.toolName)).toEqual(["getWeather"]);
  });

  it.each([
    ["strings with descriptions", z.object({ analysis: z.string().describe("Analysis of the request"), instruction: z.string() })],
    [
      "numbers in bounds, booleans, arrays",
      z.object({ score: z.number().min(2).max(3), count: z.number().int().min(1), ok: z.boolean(), tags: z.array(z.string()).min(2) }),
    ],
    [
      "nested, optional and nullable",
      z.object({ user: z.object({ email: z.email(), since: z.iso.datetime() }), note: z.string().optional(), parent: z.string().nullable() }),
    ],
    ["enums and literals", z.object({ kind: z.literal("report"), level: z.enum(["low", "high"]) })],
    ["length limits", z.object({ code: z.string().min(5).max(8) })],
  ])("produces an object matching the schema: %s", async (_, schema) => {
    const result = await generateText({ model: offlineModel(), prompt: "Summarize the incident.", output: Output.object({ schema }) });
    expect(schema.safeParse(result.output).success).toBe(true);
  });

  it.each([
    ["I was charged twice, I want a refund", "billing"],
    ["The app crashes on login", "support"],
    ["Hello there", "support"],
  ])("routes %j to %s by its words", async (prompt, expected) => {
    const schema = z.object({ department: z.enum(["support", "billing"]) });
    const result = await generateText({ model: offlineModel(), prompt, output: Output.object({ schema }) });
    expect(result.output.department).toBe(expected);
  });

  it("streams its answer in several chunks", async () => {
    const result = streamText({ model: offlineModel(), prompt: "Explain durable workflows." });
    const chunks: string[] = [];
    for await (const chunk of result.textStream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join("")).toBe(await result.text);
    expect(chunks.join("")).toMatch(/^\[offline model\]/);
  });
});
