// Agent steps' token usage: a workflow with two agents on two mock models sums them per model in the
// run's API view and events, reads the first step's usage between the two, keeps the same numbers after
// an eviction and replay, and counts once an answer its step reported on a failed attempt and again on
// the retry that returned it. A thread's usage sums its messages', failed answers included.
import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createThread, ThreadInfo } from "../../src/agents/index.ts";
import type { TokenUsage } from "../../src/engine/index.ts";
import { textResult, usage } from "../fixtures/agents/mock-model.ts";
import { critic, usageModels } from "../fixtures/usage.ts";
import { call } from "../helpers/http.ts";
import { fireUntil, runStub, startRun } from "../helpers/runtime.ts";
import { readSse } from "../helpers/sse.ts";

afterEach(() => {
  usageModels.a = undefined;
  usageModels.b = undefined;
});

const Score = z.object({ score: z.number() });
const A = { model: "model-a", provider: "mock-a", inputTokens: 10, outputTokens: 5, totalTokens: 15 };
const B = { model: "model-b", provider: "mock-b", inputTokens: 20, outputTokens: 4, totalTokens: 24 };
const ONLY_A: TokenUsage = { inputTokens: 10, outputTokens: 5, totalTokens: 15, byModel: [A] };
const BOTH: TokenUsage = { inputTokens: 30, outputTokens: 9, totalTokens: 39, byModel: [A, B] };

/** GET /api/threads/:id, parsed by the schema it answers with. */
async function threadInfo(threadId: string): Promise<ThreadInfo> {
  return ThreadInfo.parse(await (await call("GET", `/api/threads/${threadId}`)).json());
}

function twoModels() {
  const a = (usageModels.a = new MockLanguageModelV4({
    provider: "mock-a",
    modelId: "model-a",
    doGenerate: [textResult("Tides rise twice a day.", usage(10, 5))],
  }));
  const b = (usageModels.b = new MockLanguageModelV4({ provider: "mock-b", modelId: "model-b", doGenerate: [textResult('{"score":7}', usage(20, 4))] }));
  return { a, b };
}

/** A usage-two-agents run at its closing sleep, both agent steps done. */
async function toTheNap() {
  const { runId, stub } = await startRun("usage-two-agents", { topic: "tides" });
  // The writer's step fails its first attempt after its answer was saved; the retry returns that answer.
  await fireUntil(stub, (v) => v.waitingFor.some((w) => w.kind === "sleep" && w.name === "nap"));
  return { runId, stub };
}

describe("a workflow's agent steps", () => {
  it("sum per model in GET /api/runs/:runId, read the first step's usage between the steps, and replay to the same numbers", async () => {
    const { a, b } = twoModels();
    const { runId, stub } = await toTheNap();
    expect(a.doGenerateCalls).toHaveLength(1);
    expect(b.doGenerateCalls).toHaveLength(1);
    expect(await (await call("GET", `/api/runs/${runId}?steps=none`)).json()).toMatchObject({ status: "sleeping", usage: BOTH });

    await evictDurableObject(stub);
    const v = await fireUntil(runStub(runId), (r) => r.status === "completed");
    expect(v.stats.replayedSteps).toBe(4);
    // The reply of the writer's failed attempt and that of its retry are one answer, counted once.
    expect(v.result).toMatchObject({ score: 7, between: ONLY_A, atEnd: BOTH });
    expect(await (await call("GET", `/api/runs/${runId}`)).json()).toMatchObject({ status: "completed", usage: BOTH });
    // Replay called no model.
    expect([a.doGenerateCalls.length, b.doGenerateCalls.length]).toEqual([1, 1]);
  });

  it("carry each step's usage on its events and the run's total on run.finished", async () => {
    twoModels();
    const { runId, stub } = await toTheNap();
    await fireUntil(stub, (r) => r.status === "completed");
    const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 1000);
    const ends = events.filter((e) => e.data.kind === "action" && e.type !== "step.started").map((e) => [e.data.name, e.type, e.data.usage]);
    expect(ends).toEqual([
      ["usage.writeThenFail", "step.retrying", ONLY_A],
      ["usage.writeThenFail", "step.completed", ONLY_A],
      ["usage.criticize", "step.completed", { inputTokens: 20, outputTokens: 4, totalTokens: 24, byModel: [B] }],
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.finished", data: { status: "completed", usage: BOTH } });
  });
});

describe("a thread's usage", () => {
  it("sums its messages' usage by model in GET /api/threads/:id after two answers", async () => {
    twoModels();
    const { runId, stub } = await toTheNap();
    await fireUntil(stub, (r) => r.status === "completed");
    const { threadId } = z.object({ result: z.object({ threadId: z.string() }) }).parse(await (await call("GET", `/api/runs/${runId}`)).json()).result;
    expect(await threadInfo(threadId)).toMatchObject({ threadId, messageCount: 4, usage: BOTH });
  });

  it("counts failed answers too, and a thread with no agent answer has zeros", async () => {
    const { threadId } = await createThread(env, { userId: "ada" });
    expect((await threadInfo(threadId)).usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] });
    usageModels.b = new MockLanguageModelV4({
      provider: "mock-b",
      modelId: "model-b",
      doGenerate: [textResult('{"score":"high"}', usage(20, 4)), textResult('{"score":9}', usage(30, 2))],
    });
    // Saved as a failed message with its usage: those tokens were spent.
    await expect(critic.generateObject(env, { threadId }, { prompt: "Score it.", schema: Score })).rejects.toMatchObject({ code: "agent.invalid_object" });
    await critic.generateObject(env, { threadId }, { prompt: "Score it again.", schema: Score });
    expect((await threadInfo(threadId)).usage).toEqual({
      inputTokens: 50,
      outputTokens: 6,
      totalTokens: 56,
      byModel: [{ model: "model-b", provider: "mock-b", inputTokens: 50, outputTokens: 6, totalTokens: 56 }],
    });
  });
});
