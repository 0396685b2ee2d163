// Durable tool approvals in workerd: a workflow's agent step whose tool needs a human waits (a signal
// wait labeled approval, no isolate held) and is decided by the thread's API, the run's console route,
// the emailed link or the chat; denied and timed-out calls never run and the model is told why; the
// chat's own answers wait in the thread (its alarm times them out) and go on once decided. Each tool's
// side effect is counted in the probe: an approved call runs once, a denied one never.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import { listMessages, type MessageRecord } from "../../src/agents/index.ts";
import { TIMED_OUT_REASON } from "../../src/agents/core/approval.ts";
import { approvalLink, decideByLink } from "../../src/testing/approval-links.ts";
import { textResult, toolCallResult, mock } from "../fixtures/agents/mock-model.ts";
import { manualClock } from "../helpers/clock.ts";
import { call, problemOf } from "../helpers/http.ts";
import { client, fireUntil, probe, runStub, settle, view } from "../helpers/runtime.ts";
import { chunksOf, sendFrame, TestSocket, textOf } from "../helpers/sockets.ts";

afterEach(() => {
  mock.model = undefined;
});

interface ApprovalJson {
  approvalId: string;
  answerId: string;
  toolName: string;
  input: unknown;
  owner: string | null;
  runId: string | null;
  status: string;
  reason: string | null;
  expiresAt: number | null;
}

async function approvals(threadId: string): Promise<ApprovalJson[]> {
  const res = await call("GET", `/api/threads/${threadId}/approvals`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { approvals: ApprovalJson[] }).approvals;
}

async function uiMessages(threadId: string): Promise<{ id: string; role: string; parts: Record<string, unknown>[] }[]> {
  const res = await call("GET", `/api/threads/${threadId}/ui-messages`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: { id: string; role: string; parts: Record<string, unknown>[] }[] }).messages;
}

async function messages(threadId: string): Promise<MessageRecord[]> {
  return (await listMessages(env, threadId, { limit: 100 })).messages;
}

const refunds = (threadId: string) => probe().count(`refund/${threadId}`);

/** A refund-approval run on the mock model, parked on its approval: the run, its thread and the approval. */
async function waitingRun(final = "Refunded order A1.") {
  const model = (mock.model = new MockLanguageModelV4({
    doGenerate: [toolCallResult([{ id: "call-1", name: "grantRefund", input: { orderId: "A1", amountCents: 900 } }]), textResult(final)],
  }));
  const { runId } = await client.startRun("refund-approval", { prompt: "Refund order A1, please" });
  const stub = runStub(runId);
  await settle(stub);
  const run = await client.getRun(runId);
  const request = run.steps!.find((s) => s.name === "stepwise.requestToolApproval")!;
  const { threadId } = (run.steps!.find((s) => s.name === "createThread")!.result ?? {}) as { threadId: string };
  const [approval] = await approvals(threadId);
  return { model, runId, stub, run, request, threadId, approval: approval! };
}

/** What the model was told about the tool call in its second call. */
function toolOutputSent(model: MockLanguageModelV4): unknown {
  const prompt = model.doGenerateCalls[1]!.prompt;
  const tool = prompt.find((m) => m.role === "tool");
  return tool?.role === "tool" ? tool.content.find((p) => p.type === "tool-result")?.output : undefined;
}

describe("a workflow's agent step whose tool needs approval", () => {
  it("waits durably without running the tool; the thread lists the call as the run's", async () => {
    const { model, run, request, threadId, approval } = await waitingRun();
    expect(run.status).toBe("waiting");
    expect(run.waitingFor).toEqual([expect.objectContaining({ kind: "signal", label: "approval", forStep: request.seq })]);
    expect(request.result).toMatchObject({ to: "ops@example.com", subject: "Approve a refund?", tool: { threadId, toolName: "grantRefund" } });
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(await refunds(threadId)).toBe(0);
    expect(approval).toMatchObject({ toolName: "grantRefund", input: { orderId: "A1", amountCents: 900 }, owner: "run", runId: run.runId, status: "pending" });
    // The chat's history shows the call asking for approval, under the answer's id.
    const ui = await uiMessages(threadId);
    expect(ui.map((m) => [m.role, m.id])).toEqual([
      ["user", expect.any(String)],
      ["assistant", approval.answerId],
    ]);
    expect(ui[1]!.parts).toContainEqual(
      expect.objectContaining({ type: "tool-grantRefund", toolCallId: "call-1", state: "approval-requested", approval: { id: approval.approvalId } }),
    );
  });

  it("approved through the thread's API: the tool runs once, the answer goes on under the same id, a second decision is refused", async () => {
    const { model, runId, stub, threadId, approval } = await waitingRun();
    const res = await call("POST", `/api/threads/${threadId}/approvals/${approval.approvalId}`, { approved: true, reason: "looks right" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ decided: true, approval: { approvalId: approval.approvalId } });
    await settle(stub);
    const done = await client.getRun(runId);
    expect(done.status).toBe("completed");
    expect(done.result).toMatchObject({ text: "Refunded order A1.", answerId: approval.answerId });
    expect(await refunds(threadId)).toBe(1);
    expect(toolOutputSent(model)).toEqual({ type: "json", value: { refunded: true, orderId: "A1", amountCents: 900 } });
    // The answer's two model calls (8 + 3 tokens asking, 10 + 5 after the decision) count once each, though two steps made the answer.
    expect(done.usage).toMatchObject({ inputTokens: 18, outputTokens: 8, totalTokens: 26 });

    const again = await call("POST", `/api/threads/${threadId}/approvals/${approval.approvalId}`, { approved: false });
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe("approval.already_decided");
    expect(await refunds(threadId)).toBe(1);

    const saved = await messages(threadId);
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(saved.slice(1).every((m) => m.answerId === approval.answerId)).toBe(true);
    expect(saved[1]!.id).toBe(approval.answerId);
    expect(saved[3]).toMatchObject({ final: true, text: "Refunded order A1." });
    expect((await approvals(threadId))[0]).toMatchObject({ status: "approved", reason: "looks right" });
    const ui = await uiMessages(threadId);
    expect(ui).toHaveLength(2);
    expect(ui[1]!.id).toBe(approval.answerId);
    expect(ui[1]!.parts.filter((p) => p.type !== "step-start")).toEqual([
      expect.objectContaining({ type: "tool-grantRefund", state: "output-available", output: { refunded: true, orderId: "A1", amountCents: 900 } }),
      { type: "text", text: "Refunded order A1.", state: "done" },
    ]);
  });

  it("denied from the console's approval route: the tool never runs and the model is told why", async () => {
    const { model, runId, stub, run, threadId } = await waitingRun("I did not refund it.");
    const waitSeq = run.waitingFor[0]!.seq;
    const res = await call("POST", `/api/runs/${runId}/approvals/${waitSeq}`, { approved: false, reason: "over the limit" });
    expect(res.status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
    expect(await refunds(threadId)).toBe(0);
    expect(toolOutputSent(model)).toEqual({ type: "execution-denied", reason: "over the limit" });
    expect((await approvals(threadId))[0]).toMatchObject({ status: "denied", reason: "over the limit" });
  });

  it("approved by the emailed link (the approval pages): the tool runs once", async () => {
    const { runId, stub, threadId } = await waitingRun();
    const link = await approvalLink(env, runId, (await view(stub)).steps ?? []);
    expect(await decideByLink(link, "approve")).toMatchObject({ status: 200 });
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
    expect(await refunds(threadId)).toBe(1);
    expect(await decideByLink(link, "reject")).toMatchObject({ title: "Already decided" });
  });

  it("times out: the wait ends by its alarm, the tool never runs and the model is told it was not approved", async () => {
    const { model, stub, threadId } = await waitingRun("No approval came.");
    const done = await fireUntil(stub, (v) => v.status === "completed");
    expect(done.result).toMatchObject({ text: "No approval came." });
    expect(await refunds(threadId)).toBe(0);
    expect(toolOutputSent(model)).toEqual({ type: "execution-denied", reason: TIMED_OUT_REASON });
    // Too late now: the run no longer waits.
    const [approval] = await approvals(threadId);
    const late = await call("POST", `/api/threads/${threadId}/approvals/${approval!.approvalId}`, { approved: true });
    expect(late.status).toBe(409);
    expect(await refunds(threadId)).toBe(0);
  });

  it("approved from the chat: the decision reaches the run, and the request follows the answer as it goes on", async () => {
    const { runId, stub, threadId, approval } = await waitingRun();
    const chat = await TestSocket.open(threadId);
    chat.send(decideFrame("d1", approval, true));
    const frames = await chat.untilDone("d1");
    expect(frames[0]).toEqual({ type: "start", requestId: "d1" });
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "d1" });
    const chunks = chunksOf(frames);
    expect(chunks[0]).toEqual({ type: "start", messageId: approval.answerId });
    expect(chunks).toContainEqual(expect.objectContaining({ type: "tool-output-available", toolCallId: "call-1" }));
    expect(textOf(chunks)).toBe("Refunded order A1.");
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
    expect(await refunds(threadId)).toBe(1);
  });
});

/** What useChat sends after addToolApprovalResponse: the answer, its tool part answered. */
function decideFrame(requestId: string, a: { answerId: string; approvalId: string; toolName: string }, approved: boolean, reason?: string) {
  return {
    type: "send",
    requestId,
    id: "chat",
    trigger: "submit-message",
    messageId: a.answerId,
    messages: [
      {
        id: a.answerId,
        role: "assistant",
        parts: [
          {
            type: `tool-${a.toolName}`,
            toolCallId: "call",
            state: "approval-responded",
            input: {},
            approval: { id: a.approvalId, approved, ...(reason === undefined ? {} : { reason }) },
          },
        ],
      },
    ],
    headers: {},
    body: {},
  };
}

/** The thread's chat (the test Worker's chat agent has grantRefund, on the offline model). */
async function chatWaiting() {
  const { threadId } = (await (await call("POST", "/api/threads", { userId: "ada" })).json()) as { threadId: string };
  const chat = await TestSocket.open(threadId);
  chat.send(sendFrame("r1", "Please refund order 42"));
  const frames = await chat.untilDone("r1");
  const [approval] = await approvals(threadId);
  return { threadId, chat, frames, approval: approval! };
}

describe("the chat's own answer whose tool needs approval", () => {
  it("streams the SDK's approval request and waits in the thread; approved over the socket, the answer goes on", async () => {
    const { threadId, chat, frames, approval } = await chatWaiting();
    const chunks = chunksOf(frames);
    expect(chunks[0]).toEqual({ type: "start", messageId: approval.answerId });
    expect(chunks).toContainEqual({ type: "tool-approval-request", approvalId: approval.approvalId, toolCallId: expect.any(String) });
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "r1" });
    expect(approval).toMatchObject({ owner: "thread", status: "pending", toolName: "grantRefund", expiresAt: expect.any(Number) });
    expect(await refunds(threadId)).toBe(0);

    chat.send(decideFrame("r2", approval, true));
    const more = await chat.untilDone("r2");
    const moreChunks = chunksOf(more);
    expect(moreChunks[0]).toEqual({ type: "start", messageId: approval.answerId });
    expect(moreChunks).toContainEqual(expect.objectContaining({ type: "tool-output-available" }));
    expect(textOf(moreChunks)).toContain("grantRefund returned");
    expect(more.at(-1)).toEqual({ type: "end", requestId: "r2" });
    expect(await refunds(threadId)).toBe(1);

    // The same decision sent again (a client replaying its history) runs nothing more.
    chat.send(decideFrame("r3", approval, true));
    await chat.untilDone("r3");
    expect(await refunds(threadId)).toBe(1);
    const ui = await uiMessages(threadId);
    expect(ui.map((m) => [m.role, m.id])).toEqual([
      ["user", "u_r1"],
      ["assistant", approval.answerId],
    ]);
    expect(ui[1]!.parts).toContainEqual(expect.objectContaining({ type: "tool-grantRefund", state: "output-available" }));
  });

  it("denied through the API: the thread's alarm goes on with the answer; the tool never runs", async () => {
    const { threadId, approval } = await chatWaiting();
    const res = await call("POST", `/api/threads/${threadId}/approvals/${approval.approvalId}`, { approved: false, reason: "not today" });
    expect(res.status).toBe(200);
    expect(await runDurableObjectAlarm(env.THREADS.getByName(threadId))).toBe(true);
    const saved = await messages(threadId);
    expect(saved.at(-1)).toMatchObject({ role: "assistant", final: true, answerId: approval.answerId });
    expect(saved.at(-1)!.text).toContain("denied: not today");
    expect(await refunds(threadId)).toBe(0);
    expect((await approvals(threadId))[0]).toMatchObject({ status: "denied" });
  });

  it("times out by the thread's clock: the model is told it was not approved; a late decision is refused", async () => {
    const { threadId, approval } = await chatWaiting();
    const stub = env.THREADS.getByName(threadId);
    await runInDurableObject(stub, (instance) => manualClock(instance).stop(approval.expiresAt! - 1));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await approvals(threadId))[0]).toMatchObject({ status: "pending" });
    await runInDurableObject(stub, (instance) => manualClock(instance).advance(1));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const saved = await messages(threadId);
    expect(saved.at(-1)).toMatchObject({ role: "assistant", final: true });
    expect(saved.at(-1)!.text).toContain("denied");
    const late = await call("POST", `/api/threads/${threadId}/approvals/${approval.approvalId}`, { approved: true });
    expect(late.status).toBe(409);
    expect(await refunds(threadId)).toBe(0);
  });

  it("an unknown approval is a 404 and a bad body a 400 at its path; neither changes anything", async () => {
    const { threadId, approval } = await chatWaiting();
    const missing = await call("POST", `/api/threads/${threadId}/approvals/nope`, { approved: true });
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe("approval.not_found");
    const bad = await call("POST", `/api/threads/${threadId}/approvals/${approval.approvalId}`, { approved: "yes" });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors).toContainEqual(expect.objectContaining({ path: "/approved" }));
    expect((await approvals(threadId))[0]).toMatchObject({ status: "pending" });
  });
});
