// Where a signal goes: a wait that lost a race (or whose Promise.all failed) takes nothing; a decision
// meant for one wait settles exactly that wait, even while a restarted handler is still replaying;
// an Idempotency-Key is bound to its signal and payload; null is never a payload.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { StepwiseError } from "../../../src/engine/index.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { client, fireUntil, runStub, settle, startRun, view } from "../../helpers/runtime.ts";
import type { stepwise } from "../../worker.ts";

type RunObject = InstanceType<typeof stepwise.WorkflowRun>;

describe("a wait that lost", () => {
  it.each(["direct", "then"] as const)("a Promise.race (%s) stops waiting: the next signal goes to the wait after it", async (through) => {
    const { runId, stub } = await startRun("race-then-wait", { through });
    // The sleep wins the race; the losing wait is abandoned at once, and the run waits on its second wait.
    const v = await fireUntil(stub, (r) => r.steps!.some((s) => s.kind === "signal" && s.seq === 2));
    expect(v.steps!.map((s) => [s.seq, s.kind, s.status])).toEqual([
      [0, "signal", "abandoned"],
      [1, "sleep", "completed"],
      [2, "signal", "waiting"],
    ]);
    await client.signalRun(runId, "go", { n: 1 });
    await settle(stub);
    const done = await view(stub);
    expect(done.status).toBe("completed");
    expect(done.result).toEqual({ first: "slept", second: { n: 1 } });
  });

  it("a replay after eviction takes the same path: the abandoned wait stays abandoned and the race is won by the sleep again", async () => {
    const { runId, stub } = await startRun("race-then-wait", {});
    await fireUntil(stub, (r) => r.steps!.some((s) => s.seq === 2));
    await evictDurableObject(stub);
    await client.signalRun(runId, "go", "after eviction");
    await settle(stub);
    const v = await view(stub);
    expect(v).toMatchObject({ status: "completed", result: { first: "slept", second: "after eviction" } });
    expect(v.steps!.map((s) => s.status)).toEqual(["abandoned", "completed", "completed"]);
  });

  it("a Promise.all that failed stops its other waits", async () => {
    const { runId, stub } = await startRun("all-fails-then-wait", {});
    const waiting = await view(stub);
    expect(waiting.steps!.map((s) => [s.kind, s.status])).toEqual([
      ["signal", "abandoned"],
      ["run", "failed"],
      ["signal", "waiting"],
    ]);
    await client.signalRun(runId, "go", "for the second wait");
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: { caught: "test.boom", got: "for the second wait" } });
  });
});

describe("a decision meant for one wait", () => {
  it("settles that wait even while a restarted handler replays, before a timeout alarm falling due can end it", async () => {
    // 100 steps before the request: replaying them takes several turns of the event loop.
    const { runId, stub } = await startRun("approval-then-wait", { before: 100 });
    const request = (await view(stub)).steps!.find((s) => s.name === "stepwise.requestApproval")!;
    await evictDurableObject(stub);
    const decision = { approved: true, decidedAt: Date.now(), by: "approver@example.com" };
    await runInDurableObject(stub, async (instance: RunObject) => {
      // In one go, as the approval POST and an alarm can meet: the handler has not reached its wait yet.
      const sent = await instance.signal("approval", decision, { onceKey: `approval:approval:${request.seq}`, forWaitAfter: request.seq });
      expect(sent.ok).toBe(true);
      // An alarm fires its earliest timer as due: the watchdog first, then (before the fix, with the
      // decision only buffered) the wait's timeout, ending it with null.
      await instance.alarm();
      await instance.alarm();
    });
    await settle(stub);
    const v = await view(stub);
    const waits = v.steps!.filter((s) => s.kind === "signal");
    expect(waits.map((s) => [s.status, s.result ?? null])).toEqual([
      ["completed", decision],
      ["waiting", null],
    ]);
    // Nothing was left buffered for the later wait either.
    await client.signalRun(runId, "approval", { approved: false, by: "api" });
    await settle(stub);
    expect((await view(stub)).result).toEqual({ decision, later: { approved: false, by: "api" } });
  });

  it("is refused once that wait ended, and never feeds a later wait on the same name", async () => {
    const { runId, stub } = await startRun("approval-then-wait", {});
    const request = (await view(stub)).steps!.find((s) => s.name === "stepwise.requestApproval")!;
    await client.signalRun(runId, "approval", { approved: true, by: "api" });
    await settle(stub);
    await expect(
      client.signalRun(runId, "approval", { approved: false }, { onceKey: `approval:approval:${request.seq}`, forWaitAfter: request.seq }),
    ).rejects.toMatchObject({
      code: "signal.not_waiting",
    });
    expect((await view(stub)).steps!.filter((s) => s.kind === "signal").map((s) => s.status)).toEqual(["completed", "waiting"]);
  });
});

describe("Idempotency-Key on signals", () => {
  it("is bound to the signal's name and payload: reused for another, 409 and nothing delivered", async () => {
    const { runId, stub } = await startRun("approval-then-wait", {});
    const key = { "idempotency-key": `k-${crypto.randomUUID()}` };
    expect((await call("POST", `/api/runs/${runId}/signals/other`, { payload: { x: 1 } }, key)).status).toBe(202);
    const res = await call("POST", `/api/runs/${runId}/signals/approval`, { payload: { approved: true } }, key);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).code).toBe("signal.idempotency_conflict");
    const otherPayload = await call("POST", `/api/runs/${runId}/signals/other`, { payload: { x: 2 } }, key);
    expect(otherPayload.status).toBe(409);
    // The same name and payload again: the first one, not a second delivery.
    const repeat = await call("POST", `/api/runs/${runId}/signals/other`, { payload: { x: 1 } }, key);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ duplicate: true });
    await settle(stub);
    expect((await view(stub)).steps!.filter((s) => s.kind === "signal").map((s) => s.status)).toEqual(["waiting"]);
  });
});

describe("a null payload", () => {
  it("is refused over HTTP with its path, and by the client, leaving the wait waiting", async () => {
    const { runId, stub } = await startRun("await-approval", { request: "ship", timeoutMs: 3_600_000 });
    const res = await call("POST", `/api/runs/${runId}/signals/approval`, { payload: null });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("request.invalid");
    expect(p.errors).toEqual([{ path: "/payload", message: expect.stringContaining("null") }]);
    const err = await client.signalRun(runId, "approval", null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepwiseError);
    expect((err as StepwiseError).code).toBe("signal.invalid_payload");
    await settle(stub);
    expect((await view(stub)).status).toBe("waiting");
    // This wait has a schema, so an omitted payload is refused as well (without one it arrives as true: signals.test.ts).
    const omitted = await call("POST", `/api/runs/${runId}/signals/approval`, {});
    expect(omitted.status).toBe(400);
    expect((await problemOf(omitted)).errors).toEqual([{ path: "/payload", message: expect.stringContaining("required") }]);
    expect((await call("POST", `/api/runs/${runId}/signals/approval`, { payload: { approved: true } })).status).toBe(202);
    await settle(runStub(runId));
    expect((await view(stub)).steps!.find((s) => s.kind === "signal")!.result).toEqual({ approved: true });
  });
});
