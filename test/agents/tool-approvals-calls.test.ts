// Tool approvals beyond one call in a workflow: a predicate that asks only above an amount, two calls of
// one model step decided separately (one approved, one denied), and an Agent call from a Worker, which
// returns the waiting calls for its caller to decide and pass back.
import { env } from "cloudflare:workers";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import { createThread, listMessages } from "../../src/agents/index.ts";
import { refundAgent } from "../fixtures/agents/approvals.ts";
import { mock, textResult, toolCallResult } from "../fixtures/agents/mock-model.ts";
import { call, problemOf } from "../helpers/http.ts";
import { client, probe, runStub, settle } from "../helpers/runtime.ts";

afterEach(() => {
  mock.model = undefined;
});

const ran = async (tool: "refund" | "transfer", threadId: string) => probe().count(`${tool}/${threadId}`);

async function threadOf(runId: string): Promise<string> {
  const run = await client.getRun(runId);
  return (run.steps!.find((s) => s.name === "createThread")!.result as { threadId: string }).threadId;
}

describe("which calls wait", () => {
  it("a predicate asks only when it holds: a small transfer runs at once, a large one waits", async () => {
    mock.model = new MockLanguageModelV4({
      doGenerate: [
        toolCallResult([{ id: "t1", name: "transferFunds", input: { amountCents: 2_000 } }]),
        toolCallResult([{ id: "t2", name: "transferFunds", input: { amountCents: 50_000 } }]),
        textResult("Done."),
      ],
    });
    const { runId } = await client.startRun("refund-approval", { prompt: "Move the money" });
    const stub = runStub(runId);
    await settle(stub);
    const threadId = await threadOf(runId);
    expect((await client.getRun(runId)).status).toBe("waiting");
    expect(await ran("transfer", threadId)).toBe(1); // the small one, without asking
    const res = await call("GET", `/api/threads/${threadId}/approvals`);
    const { approvals } = (await res.json()) as { approvals: { approvalId: string; input: unknown }[] };
    expect(approvals.map((a) => a.input)).toEqual([{ amountCents: 50_000 }]);
    expect((await call("POST", `/api/threads/${threadId}/approvals/${approvals[0]!.approvalId}`, { approved: true })).status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
    expect(await ran("transfer", threadId)).toBe(2);
  });

  it("two calls of one model step wait together and are decided separately: the approved one runs, the denied one never", async () => {
    const model = (mock.model = new MockLanguageModelV4({
      doGenerate: [
        toolCallResult([
          { id: "r1", name: "grantRefund", input: { orderId: "A1" } },
          { id: "t1", name: "transferFunds", input: { amountCents: 90_000 } },
        ]),
        textResult("One of two."),
      ],
    }));
    const { runId } = await client.startRun("refund-approval", { prompt: "Refund A1 and move the money" });
    const stub = runStub(runId);
    await settle(stub);
    const threadId = await threadOf(runId);
    const run = await client.getRun(runId);
    expect(run.waitingFor.map((w) => (w.kind === "signal" ? w.label : w.kind))).toEqual(["approval", "approval"]);
    const { approvals } = (await (await call("GET", `/api/threads/${threadId}/approvals`)).json()) as {
      approvals: { approvalId: string; toolName: string }[];
    };
    const byTool = Object.fromEntries(approvals.map((a) => [a.toolName, a.approvalId]));
    expect((await call("POST", `/api/threads/${threadId}/approvals/${byTool.transferFunds}`, { approved: false, reason: "too much" })).status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("waiting"); // the other still waits
    expect((await call("POST", `/api/threads/${threadId}/approvals/${byTool.grantRefund}`, { approved: true })).status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
    expect(await ran("refund", threadId)).toBe(1);
    expect(await ran("transfer", threadId)).toBe(0);
    const told = model.doGenerateCalls[1]!.prompt.find((m) => m.role === "tool");
    expect(told?.role === "tool" ? told.content.map((p) => (p.type === "tool-result" ? [p.toolName, p.output.type] : [p.type])) : []).toEqual([
      ["grantRefund", "json"],
      ["transferFunds", "execution-denied"],
    ]);
  });
});

describe("an Agent call from a Worker", () => {
  it("returns the calls that wait; the caller passes decisions back and the answer goes on; the thread's API cannot decide them", async () => {
    mock.model = new MockLanguageModelV4({
      doGenerate: [toolCallResult([{ id: "r1", name: "grantRefund", input: { orderId: "B2" } }]), textResult("Refunded B2.")],
    });
    const { threadId } = await createThread(env, { userId: "ada" });
    const first = await refundAgent.generateText(env, { threadId }, { prompt: "Refund B2" });
    expect(first.pendingApprovals).toEqual([
      { approvalId: expect.any(String), toolCallId: "r1", toolName: "grantRefund", input: { orderId: "B2", amountCents: 500 } },
    ]);
    expect(first.text).toBe("");
    const approvalId = first.pendingApprovals[0]!.approvalId;
    const unclaimed = await call("POST", `/api/threads/${threadId}/approvals/${approvalId}`, { approved: true });
    expect(unclaimed.status).toBe(409);
    expect((await problemOf(unclaimed)).code).toBe("approval.unclaimed");
    expect(await ran("refund", threadId)).toBe(0);

    // Asked again without decisions: still waiting, and no model call.
    const again = await refundAgent.generateText(env, { threadId }, { promptMessageId: first.promptMessageId! });
    expect(again.pendingApprovals).toHaveLength(1);
    const done = await refundAgent.generateText(env, { threadId }, { promptMessageId: first.promptMessageId!, decisions: [{ approvalId, approved: true }] });
    expect(done).toMatchObject({ text: "Refunded B2.", pendingApprovals: [], answerId: first.answerId });
    expect(await ran("refund", threadId)).toBe(1);
    // The same decisions passed again run nothing more: the answer is finished.
    await refundAgent.generateText(env, { threadId }, { promptMessageId: first.promptMessageId!, decisions: [{ approvalId, approved: true }] });
    expect(await ran("refund", threadId)).toBe(1);
    const { messages } = await listMessages(env, threadId, { limit: 100 });
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  });
});
