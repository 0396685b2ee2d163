// Deciding an approval from the console (POST /api/runs/:runId/approvals/:seq): the same once-only rule
// as the emailed link, whichever comes first; the wait is labeled in waitingFor; wrong seqs, ended waits
// and bad bodies are refused and change nothing.
import { evictDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSigningKeys, signApprovalToken } from "../../../src/approvals/core/token.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { client, fireUntil, runStub, settle } from "../../helpers/runtime.ts";

const KEYS = parseSigningKeys("k2:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789");
const ORIGIN = "http://stepwise.test";

/** A run of approval-gate waiting for its decision: its approval wait's seq, and the emailed link's token. */
async function waitingForApproval(expiresIn = 3_600_000) {
  const { runId } = await client.startRun("approval-gate", { expiresIn });
  const stub = runStub(runId);
  await settle(stub);
  const run = await client.getRun(runId);
  expect(run.status).toBe("waiting");
  const request = run.steps!.find((s) => s.name === "stepwise.requestApproval")!;
  const wait = run.waitingFor.find((w) => w.kind === "signal")!;
  const { expiresAt } = request.result as { expiresAt: number };
  const token = await signApprovalToken({ r: runId, s: "approval", q: request.seq, e: expiresAt, o: ORIGIN }, KEYS);
  return { runId, stub, token, requestSeq: request.seq, waitSeq: wait.seq };
}

const decideInConsole = (runId: string, seq: number | string, body: unknown) => call("POST", `/api/runs/${runId}/approvals/${seq}`, body);
const decideByLink = (token: string, decision: string) =>
  exports.default.fetch(
    new Request(`http://stepwise.test/approvals/${token}`, {
      method: "POST",
      body: new URLSearchParams({ decision }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
  );

describe("deciding an approval from the console", () => {
  it("shows the approval's wait in waitingFor with label approval and the request step", async () => {
    const { runId, requestSeq, waitSeq } = await waitingForApproval();
    const run = await client.getRun(runId);
    expect(run.waitingFor).toEqual([
      { seq: waitSeq, kind: "signal", signal: "approval", timeoutAt: expect.any(Number), schema: expect.any(Object), label: "approval", forStep: requestSeq },
    ]);
    expect(waitSeq).toBe(requestSeq + 1);
  });

  it("approves: the run continues with approved and by console; the link then says already decided and changes nothing", async () => {
    const { runId, stub, token, waitSeq } = await waitingForApproval();
    const res = await decideInConsole(runId, waitSeq, { approved: true });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ decided: true, approved: true });
    await settle(stub);
    const run = await client.getRun(runId);
    expect(run.status).toBe("completed");
    expect(run.result).toEqual({ approved: true, by: "console", decidedAt: expect.any(Number) });

    const link = await decideByLink(token, "reject");
    expect(link.status).toBe(409);
    expect(await link.text()).toContain("Already decided");
    const again = await decideInConsole(runId, waitSeq, { approved: false });
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe("approval.already_decided");
    await settle(stub);
    expect((await client.getRun(runId)).result).toMatchObject({ approved: true, by: "console" });
  });

  it("after the link decided, the console is told already decided (409) and changes nothing", async () => {
    const { runId, stub, token, waitSeq } = await waitingForApproval();
    expect((await decideByLink(token, "approve")).status).toBe(200);
    await settle(stub);
    const res = await decideInConsole(runId, waitSeq, { approved: false, reason: "too late" });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).code).toBe("approval.already_decided");
    await settle(stub);
    expect((await client.getRun(runId)).result).toMatchObject({ approved: true, by: "approver@example.com" });
  });

  it("decides a run whose object was evicted: the handler replays to the labeled wait", async () => {
    const { runId, stub, waitSeq } = await waitingForApproval();
    await evictDurableObject(stub);
    expect((await decideInConsole(runId, waitSeq, { approved: true })).status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).result).toMatchObject({ approved: true, by: "console" });
  });

  it("rejects with a reason, which reaches the workflow", async () => {
    const { runId, stub, waitSeq } = await waitingForApproval();
    const res = await decideInConsole(runId, waitSeq, { approved: false, reason: "not this week" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ decided: true, approved: false });
    await settle(stub);
    const run = await client.getRun(runId);
    expect(run.result).toEqual({ approved: false, by: "console", reason: "not this week", decidedAt: expect.any(Number) });
    expect(run.steps!.find((s) => s.name === "after-decision")?.result).toBe(false);
  });

  it("lets exactly one of concurrent console and link decisions win", async () => {
    const { runId, stub, token, waitSeq } = await waitingForApproval();
    const responses = await Promise.all([
      decideInConsole(runId, waitSeq, { approved: true }),
      decideByLink(token, "reject"),
      decideInConsole(runId, waitSeq, { approved: false }),
      decideByLink(token, "approve"),
    ]);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(3);
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
  });

  it.each([
    ["the request step's seq", (w: { requestSeq: number }) => w.requestSeq],
    ["a seq past the journal", () => 99],
  ])("answers 404 approval.not_found for %s, changing nothing", async (_what, seqOf) => {
    const w = await waitingForApproval();
    const res = await decideInConsole(w.runId, seqOf(w), { approved: true });
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe("approval.not_found");
    await settle(w.stub);
    expect((await client.getRun(w.runId)).status).toBe("waiting");
  });

  it("answers 404 for a signal wait that is not an approval's", async () => {
    const { runId } = await client.startRun("approval-then-wait", {});
    const stub = runStub(runId);
    await settle(stub);
    const first = (await client.getRun(runId)).waitingFor[0]!;
    expect((await decideInConsole(runId, first.seq, { approved: true })).status).toBe(200);
    await settle(stub);
    const later = (await client.getRun(runId)).waitingFor[0]!;
    expect(later).toMatchObject({ kind: "signal", signal: "approval" });
    expect("label" in later).toBe(false);
    const res = await decideInConsole(runId, later.seq, { approved: true });
    expect((await problemOf(res)).code).toBe("approval.not_found");
  });

  it("answers 409 approval.closed after the wait timed out, and after the run was canceled", async () => {
    const timedOut = await waitingForApproval(60_000);
    await fireUntil(timedOut.stub, (v) => v.status === "completed");
    const late = await decideInConsole(timedOut.runId, timedOut.waitSeq, { approved: true });
    expect(late.status).toBe(409);
    expect((await problemOf(late)).code).toBe("approval.closed");
    expect((await client.getRun(timedOut.runId)).result).toBeNull();

    const canceled = await waitingForApproval();
    await client.cancelRun(canceled.runId);
    const res = await decideInConsole(canceled.runId, canceled.waitSeq, { approved: true });
    expect((await problemOf(res)).code).toBe("approval.closed");
  });

  it.each([
    ["no approved", {}, "/approved"],
    ["approved not a boolean", { approved: "yes" }, "/approved"],
    ["a reason over 1000 characters", { approved: false, reason: "x".repeat(1001) }, "/reason"],
  ])("refuses a body with %s (400, naming the field)", async (_what, body, path) => {
    const { runId, waitSeq } = await waitingForApproval();
    const res = await decideInConsole(runId, waitSeq, body);
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("request.invalid");
    expect(p.errors?.map((e) => e.path)).toContain(path);
  });

  it("needs the bearer token, and answers 404 run.not_found for an unknown run", async () => {
    const { runId, waitSeq } = await waitingForApproval();
    const anon = await exports.default.fetch(
      new Request(`http://stepwise.test/api/runs/${runId}/approvals/${waitSeq}`, {
        method: "POST",
        body: JSON.stringify({ approved: true }),
        headers: { "content-type": "application/json" },
      }),
    );
    expect(anon.status).toBe(401);
    const unknown = await decideInConsole("run_00000000000000000000000000000000", 1, { approved: true });
    expect((await problemOf(unknown)).code).toBe("run.not_found");
  });
});
