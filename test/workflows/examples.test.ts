// The seed's patterns as example workflows, started through the API and run to completion with the
// offline model: chaining, support (and structured), parallel agents, routing, approval, follow-up.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listMessages, type MessageRecord } from "../../src/agents/index.ts";
import type { RunView } from "../../src/engine/index.ts";
import { rowsOfRun } from "../helpers/app-data.ts";
import { call } from "../helpers/http.ts";
import { client, fireUntil, runStub, settle, view } from "../helpers/runtime.ts";

async function start(workflow: string, args: unknown): Promise<{ runId: string; status: string }> {
  const res = await call("POST", `/api/workflows/${workflow}/runs`, { args });
  expect(res.status).toBe(201);
  const { runId } = (await res.json()) as { runId: string };
  return { runId, status: await settle(runStub(runId)) };
}

async function finished(workflow: string, args: unknown): Promise<RunView> {
  const { runId, status } = await start(workflow, args);
  expect(status).toBe("completed");
  return view(runStub(runId));
}

async function messages(threadId: string): Promise<MessageRecord[]> {
  return (await listMessages(env, threadId, { limit: 100 })).messages;
}

/** Every message an agent wrote (answers, tool calls and results) names the offline model; its text answers say so too. */
function expectOffline(saved: MessageRecord[]): void {
  const written = saved.filter((m) => m.agentName !== null);
  expect(written.some((m) => m.role === "assistant")).toBe(true);
  for (const m of written) expect(m).toMatchObject({ model: "offline", provider: "stepwise.offline" });
  for (const m of written.filter((m) => m.role === "assistant" && m.text !== "" && !m.text.startsWith("{"))) expect(m.text).toContain("[offline model]");
}

describe("basic chaining: weather-advice", () => {
  it("the fashion agent answers in the weather agent's thread, seeing its answer", async () => {
    const v = await finished("weather-advice", { location: "Paris" });
    const r = v.result as { threadId: string; weather: string; advice: string };
    expect(r.weather).toMatch(/^\[offline model\].*Paris.*temperatureC=\d+/);
    const temp = /temperatureC=(\d+)/.exec(r.weather)![1];
    expect(r.advice).toContain(`At about ${temp} °C, wear`);
    const saved = await messages(r.threadId);
    expect(saved.map((m) => [m.role, m.agentName])).toEqual([
      ["user", null],
      ["assistant", "weather"],
      ["tool", "weather"],
      ["assistant", "weather"],
      ["user", null],
      ["assistant", "fashion"],
    ]);
    expectOffline(saved);
    expect(v.steps!.map((s) => s.name)).toEqual(["createThread", "weather.generateText", "fashion.generateText"]);
  });
});

describe("support", () => {
  it("creates the thread, saves the prompt, answers it in a retried action step, notifies the user once", async () => {
    const v = await finished("support", { prompt: "My export keeps failing with an error.", userId: "grace" });
    const r = v.result as { threadId: string; text: string; notification: { notificationId: number } };
    expect(v.steps!.map((s) => [s.name, s.kind])).toEqual([
      ["createThread", "mutation"],
      ["saveMessage", "mutation"],
      ["support.generateSupport", "action"],
      ["notifications.send", "mutation"],
    ]);
    expect(r.text).toContain("[offline model]");
    const saved = await messages(r.threadId);
    expect(saved.filter((m) => m.role === "user")).toHaveLength(1);
    expectOffline(saved);
    // The notification is one row in the app's database, keyed by the mutation step.
    expect(await rowsOfRun("notifications", v.runId)).toEqual([
      { id: r.notification.notificationId, idempotency_key: `${v.runId}:3`, user_id: "grace", message: r.text, created_at: expect.any(String) },
    ]);
  });

  it("the structured variant returns the schema's fields", async () => {
    const v = await finished("support-structured", { prompt: "How do I reset my password?", userId: "grace" });
    const r = v.result as { threadId: string; analysis: string; instruction: string };
    expect(r.analysis).toMatch(/^Analysis of the request: How do I reset my password\? \(offline model\)$/);
    expect(r.instruction).toMatch(/^Suggested action: .*\(offline model\)$/);
    const answer = (await messages(r.threadId)).at(-1)!;
    expect(JSON.parse(answer.text)).toEqual({ analysis: r.analysis, instruction: r.instruction });
    expect(answer).toMatchObject({ model: "offline", final: true });
    expect((await rowsOfRun("notifications", v.runId)).map((n) => [n.user_id, n.message])).toEqual([["grace", r.instruction]]);
  });
});

describe("parallel agents", () => {
  it("fans out one action step per prompt with Promise.all, then summarizes from the thread", async () => {
    const prompts = ["Pros of remote work?", "Cons of remote work?", "Cost of office space?"];
    const v = await finished("parallel-agents", { prompts });
    const r = v.result as { threadId: string; analyses: string[]; summary: string };
    expect(r.analyses).toHaveLength(3);
    for (const [i, p] of prompts.entries()) expect(r.analyses[i]).toContain(p);
    // Each analyst saw only its own prompt (recentMessages: 0), however the parallel writes interleaved.
    for (const a of r.analyses) expect(a).not.toContain("earlier in this thread");
    expect(r.summary).toContain("earlier in this thread");
    const analysts = v.steps!.filter((s) => s.name === "parallelAgents.analyze");
    expect(analysts).toHaveLength(3);
    const saved = await messages(r.threadId);
    expect(saved.filter((m) => m.role === "user")).toHaveLength(4);
    expectOffline(saved);
  });
});

describe("dynamic routing", () => {
  it.each([
    ["billing", "I was charged twice for my subscription, please refund me.", "dynamicRouting.billing"],
    ["support", "The app crashes when I open my profile.", "dynamicRouting.supportAnswer"],
  ])("routes to %s", async (department, prompt, answeredBy) => {
    const v = await finished("dynamic-routing", { prompt });
    const r = v.result as { threadId: string; department: string; reason: string; text: string };
    expect(r.department).toBe(department);
    expect(v.steps!.map((s) => s.name)).toEqual(["createThread", "saveMessage", "dynamicRouting.triage", answeredBy]);
    expect(r.text).toContain("[offline model]");
    // Both agents answered the one saved prompt.
    const saved = await messages(r.threadId);
    expect(saved.filter((m) => m.role === "user")).toHaveLength(1);
    const promptId = saved[0]!.id;
    expect(new Set(saved.filter((m) => m.role === "assistant").map((m) => m.agentName))).toEqual(new Set(["triage", department]));
    for (const m of saved.slice(1)) expect(m.promptMessageId).toBe(promptId);
  });
});

describe("human in the loop: draft-approval", () => {
  async function draftWaiting() {
    const { runId, status } = await start("draft-approval", { topic: "our new API", timeoutMs: 24 * 60 * 60 * 1000 });
    expect(status).toBe("waiting");
    const v = await view(runStub(runId));
    expect(v.waitingFor).toEqual([expect.objectContaining({ kind: "signal", signal: "approval" })]);
    return runId;
  }

  it("publishes an approved draft", async () => {
    const runId = await draftWaiting();
    await client.signalRun(runId, "approval", { approved: true, by: "ada" });
    await settle(runStub(runId));
    const v = await view(runStub(runId));
    const r = v.result as { threadId: string; draft: string; outcome: string; by?: string; postId?: number };
    expect(r).toMatchObject({ outcome: "published", by: "ada" });
    expect(r.draft).toContain("our new API");
    expect(v.steps!.map((s) => s.name)).toEqual(["createThread", "draftApproval.draftPost", "stepwise.requestApproval", "approval", "publish"]);
    // The approval request step journaled what the emailed link shows: the draft, for the approver.
    expect(v.steps![2]!.result).toMatchObject({ to: "editor@example.com", summary: r.draft, signal: "approval" });
    // Published: one row in the app's posts table, keyed by the publish step (seq 4).
    expect(await rowsOfRun("posts", runId)).toEqual([
      { id: r.postId, idempotency_key: `${runId}:4`, thread_id: r.threadId, text: r.draft, published_at: expect.any(String) },
    ]);
  });

  it("does not publish a rejected draft", async () => {
    const runId = await draftWaiting();
    await client.signalRun(runId, "approval", { approved: false, by: "grace" });
    await settle(runStub(runId));
    const v = await view(runStub(runId));
    expect(v.result).toMatchObject({ outcome: "rejected", by: "grace" });
    expect(v.steps!.map((s) => s.name)).not.toContain("publish");
    expect(await rowsOfRun("posts", runId)).toEqual([]);
  });

  it("times out after 24 hours without a decision, publishing nothing", async () => {
    const runId = await draftWaiting();
    const v = await fireUntil(runStub(runId), (r) => r.status !== "waiting");
    expect(v.result).toMatchObject({ outcome: "timed_out" });
    const wait = v.steps!.find((s) => s.name === "approval")!;
    expect(wait.wakeAt! - wait.startedAt).toBe(24 * 60 * 60 * 1000);
    expect(v.steps!.map((s) => s.name)).not.toContain("publish");
    expect(await rowsOfRun("posts", runId)).toEqual([]);
  });
});

describe("follow-up", () => {
  it("answers, sleeps durably, then follows up with the first answer in context", async () => {
    const { runId, status } = await start("follow-up", { prompt: "My invoice PDF is blank.", delayMs: 60 * 60 * 1000 });
    expect(status).toBe("sleeping");
    const v = await fireUntil(runStub(runId), (r) => r.status === "completed");
    const r = v.result as { threadId: string; answer: string; followUp: string };
    expect(r.followUp).toContain("earlier in this thread");
    expect(v.steps!.map((s) => [s.name, s.kind])).toEqual([
      ["createThread", "mutation"],
      ["support.generateText", "action"],
      ["wait-before-follow-up", "sleep"],
      ["support.generateText", "action"],
    ]);
    const saved = await messages(r.threadId);
    expect(saved.filter((m) => m.role === "user").map((m) => m.text)).toEqual([
      "My invoice PDF is blank.",
      "Follow up with the customer: did the earlier answer solve the problem?",
    ]);
  });
});
