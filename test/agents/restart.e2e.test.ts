// Agent steps across a SIGKILL of `wrangler dev`: a finished agent step never calls the model again, and
// one cut off mid-call saves neither its prompt nor its answer twice when it runs again after the restart;
// tool calls waiting for approval (a workflow's and the chat's) are decided after the restart and run once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readUntil, send, transportFor } from "../helpers/chat-client.ts";
import { apiOf, TOKEN, until as poll } from "../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

let dev: DevServer;

const api = (method: string, path: string, body?: unknown) => apiOf(dev)(method, path, body);

async function start(args: unknown): Promise<string> {
  const res = await api("POST", "/api/workflows/agent-restart/runs", { args });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.runId;
}

const run = (runId: string) => api("GET", `/api/runs/${runId}`).then((r) => r.json);

/** Model calls per prompt, as the counting model recorded them in the probe. */
async function modelCalls(runId: string): Promise<Record<string, number>> {
  const res = await fetch(`${dev.url}/test/probe/counts?prefix=${encodeURIComponent(`${runId}/model/`)}`);
  const raw = (await res.json()) as Record<string, number>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.slice(`${runId}/model/`.length), v]));
}

async function threadMessages(threadId: string): Promise<{ id: string; role: string; text: string; promptMessageId: string | null }[]> {
  const res = await api("GET", `/api/threads/${threadId}/messages?limit=100`);
  expect(res.status).toBe(200);
  return res.json.messages;
}

const until = <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000) => poll(what, read, done, timeoutMs, () => dev.logs());

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

describe("agent steps across a SIGKILL of wrangler dev", () => {
  it("resumes without calling the model again for finished steps and without duplicate messages", async () => {
    // Killed in the sleep between its two agent steps.
    const between = await start({ sleepMs: 6_000 });
    // Killed while its second agent step waits for the model (the first call takes 30 s).
    const midCall = await start({ sleepMs: 0, secondCallMs: 30_000 });

    await until(
      "the first run sleeping",
      () => run(between),
      (r) => r.status === "sleeping",
    );
    await until(
      "the second run's model call",
      () => modelCalls(midCall),
      (c) => c["second question"] === 1,
    );
    expect(await modelCalls(between)).toEqual({ "first question": 1 });

    await dev.stop("SIGKILL");
    await dev.restart();

    for (const runId of [between, midCall]) {
      const done = await until(
        `run ${runId} completed`,
        () => run(runId),
        (r) => r.status === "completed" || r.status === "failed",
      );
      expect(done.status, JSON.stringify(done.error)).toBe("completed");
      const messages = await threadMessages(done.result.threadId);
      // One prompt and one answer per agent step: nothing saved twice.
      expect(messages.map((m) => [m.role, m.role === "user" ? m.text : "answer"])).toEqual([
        ["user", "first question"],
        ["assistant", "answer"],
        ["user", "second question"],
        ["assistant", "answer"],
      ]);
      expect(messages[3]!.promptMessageId).toBe(messages[2]!.id);
      expect(messages[3]!.text).toContain("[offline model]");
      expect(done.result.second).toBe(messages[3]!.text);
    }

    // The finished first step never called the model again; the cut-off call ran again, once.
    expect(await modelCalls(between)).toEqual({ "first question": 1, "second question": 1 });
    expect(await modelCalls(midCall)).toEqual({ "first question": 1, "second question": 2 });
    const secondStep = (await run(midCall)).steps.filter((s: any) => s.name === "counted.generateText")[1];
    expect(secondStep.attempts).toBe(2);
  });

  it("tool calls waiting for approval survive a SIGKILL: decided after the restart, an approved one runs once, a denied one never", async () => {
    // A workflow's agent step, and the thread's own chat answer, each waiting on a refund approval.
    const started = await api("POST", "/api/workflows/refund-approval/runs", { args: { prompt: "Please refund order 42" } });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const runId: string = started.json.runId;
    const waiting = await until(
      "the run waiting for approval",
      () => run(runId),
      (r) => r.status === "waiting",
    );
    const runThread: string = waiting.steps.find((s: any) => s.name === "createThread").result.threadId;
    const chatThread = (await api("POST", "/api/threads", { userId: "ada" })).json.threadId as string;
    const chat = transportFor(dev, chatThread);
    const { ended } = await readUntil(await send(chat.transport, chatThread, "Please refund order 7"));
    expect(ended).toBe(true);
    chat.transport.close();
    const runApproval = (await approvals(runThread))[0]!;
    const chatApproval = (await approvals(chatThread))[0]!;
    expect(runApproval).toMatchObject({ owner: "run", status: "pending" });
    expect(chatApproval).toMatchObject({ owner: "thread", status: "pending" });

    await dev.stop("SIGKILL");
    await dev.restart();

    const approve = await api("POST", `/api/threads/${runThread}/approvals/${runApproval.approvalId}`, { approved: true });
    expect(approve.status, JSON.stringify(approve.json)).toBe(200);
    const deny = await api("POST", `/api/threads/${chatThread}/approvals/${chatApproval.approvalId}`, { approved: false, reason: "not today" });
    expect(deny.status, JSON.stringify(deny.json)).toBe(200);
    const done = await until(
      "the run completed",
      () => run(runId),
      (r) => r.status === "completed" || r.status === "failed",
    );
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.result.text).toContain("grantRefund returned");
    const chatDone = await until(
      "the chat's answer finished",
      () => threadMessages(chatThread),
      (m) => m.at(-1)?.role === "assistant" && m.at(-1)!.text.includes("denied"),
    );
    expect(chatDone.at(-1)!.text).toContain("denied: not today");
    // Decided once: a second decision changes nothing.
    expect((await api("POST", `/api/threads/${runThread}/approvals/${runApproval.approvalId}`, { approved: false })).status).toBe(409);
    expect(await refundsOf(runThread)).toBe(1);
    expect(await refundsOf(chatThread)).toBe(0);
  });
});

async function approvals(threadId: string): Promise<{ approvalId: string; owner: string; status: string }[]> {
  const res = await api("GET", `/api/threads/${threadId}/approvals`);
  expect(res.status).toBe(200);
  return res.json.approvals;
}

/** How often the grantRefund tool ran for a thread (the test Worker's tool counts itself in the probe). */
async function refundsOf(threadId: string): Promise<number> {
  const res = await fetch(`${dev.url}/test/probe/counts?prefix=${encodeURIComponent(`refund/${threadId}`)}`);
  return ((await res.json()) as Record<string, number>)[`refund/${threadId}`] ?? 0;
}
