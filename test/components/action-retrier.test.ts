// The ActionRetrier in workerd: the policy's backoff between attempts (alarms fired by hand, no real
// sleeps), giving up after maxFailures with onComplete called once, cancel, and an eviction between
// attempts that loses nothing.
import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flakyJob, hangJob, logOutcome } from "../fixtures/components/actions.ts";
import { logged, probe } from "../helpers/runtime.ts";
import { fireRun, retrier, runs, settledRun, uniqueName } from "../helpers/components.ts";

describe("ActionRetrier", { timeout: 30_000 }, () => {
  it("completes on the third attempt after two failures, spaced by the policy's backoff", async () => {
    const key = uniqueName("flaky");
    const r = retrier({ initialBackoffMs: 1000, base: 2, maxFailures: 4 });
    const id = await r.run({ env }, flakyJob, { key, failures: 2 });

    let v = await settledRun(id);
    expect(v).toMatchObject({ status: "pending", attempts: 1, maxAttempts: 5 });
    const [first] = v.history;
    expect(first).toMatchObject({ attempt: 1, error: { code: "action.failed", message: "transient failure 1" } });
    // Equal jitter: the first wait is 500..1000 ms, the second 1000..2000 ms.
    const wait1 = first!.retryAt! - first!.endedAt!;
    expect(wait1).toBeGreaterThanOrEqual(500);
    expect(wait1).toBeLessThanOrEqual(1000);
    expect(v.nextAttemptAt).toBe(first!.retryAt);

    v = await fireRun(id);
    expect(v).toMatchObject({ status: "pending", attempts: 2 });
    const second = v.history[1]!;
    expect(second.error).toEqual({ code: "action.failed", message: "transient failure 2" });
    const wait2 = second.retryAt! - second.endedAt!;
    expect(wait2).toBeGreaterThanOrEqual(1000);
    expect(wait2).toBeLessThanOrEqual(2000);

    v = await fireRun(id);
    expect(v).toMatchObject({ status: "completed", attempts: 3, result: { attempt: 3, n: 3 }, nextAttemptAt: null });
    expect(v.history.map((a) => a.error?.message ?? "ok")).toEqual(["transient failure 1", "transient failure 2", "ok"]);
    expect(await probe().count(key)).toBe(3);
    expect(await r.status(id)).toEqual(v);
    // Nothing is left armed.
    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(false);
  });

  it("fails after maxFailures and calls onComplete exactly once", async () => {
    const key = uniqueName("hopeless");
    const r = retrier({ initialBackoffMs: 100, base: 2, maxFailures: 2 });
    const id = await r.run({ env }, flakyJob, { key, failures: 100 }, { onComplete: logOutcome, context: { order: 7 } });
    let v = await settledRun(id);
    while (v.status === "pending") v = await fireRun(id);
    expect(v).toMatchObject({ status: "failed", attempts: 3, error: { code: "action.failed", message: "transient failure 3" }, onComplete: "done" });
    expect(await probe().count(key)).toBe(3);
    expect(await logged(`onComplete/${id}`)).toEqual([
      { outcome: { status: "failed", error: { code: "action.failed", message: "transient failure 3" } }, context: { order: 7 }, key: `${id}:onComplete` },
    ]);
    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(false);
    expect(await logged(`onComplete/${id}`)).toHaveLength(1);
  });

  it("cancel between attempts stops further attempts", async () => {
    const key = uniqueName("canceled");
    const r = retrier({ initialBackoffMs: 1000 });
    const id = await r.run({ env }, flakyJob, { key, failures: 100 }, { onComplete: logOutcome });
    expect(await settledRun(id)).toMatchObject({ status: "pending", attempts: 1 });
    await r.cancel(id);
    const v = await settledRun(id);
    expect(v).toMatchObject({ status: "canceled", attempts: 1, nextAttemptAt: null, onComplete: "done" });
    // The backoff's alarm is gone: no second attempt, ever.
    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(false);
    expect(await probe().count(key)).toBe(1);
    expect(await logged(`onComplete/${id}`)).toEqual([{ outcome: { status: "canceled" }, context: null, key: `${id}:onComplete` }]);
    await expect(r.cancel(id)).rejects.toMatchObject({ code: "job.already_finished" });
  });

  it("cancel during an attempt aborts the action's signal", async () => {
    const key = uniqueName("hang");
    const r = retrier();
    const id = await r.run({ env }, hangJob, { key });
    await expect.poll(() => probe().count(`${key}/started`)).toBe(1);
    expect(await r.status(id)).toMatchObject({ status: "running", attempts: 1 });
    await r.cancel(id);
    await expect.poll(() => logged(`${key}/aborted`)).toEqual(["job.canceled"]);
    expect(await settledRun(id)).toMatchObject({ status: "canceled", attempts: 1 });
    expect(await probe().count(`${key}/started`)).toBe(1);
  });

  it("survives an eviction between attempts: the backoff's alarm wakes a fresh instance that finishes", async () => {
    const key = uniqueName("evicted");
    const r = retrier({ initialBackoffMs: 5000, maxFailures: 3 });
    const id = await r.run({ env }, flakyJob, { key, failures: 1 }, { onComplete: logOutcome });
    expect(await settledRun(id)).toMatchObject({ status: "pending", attempts: 1 });
    await evictDurableObject(runs.getByName(id));
    const v = await fireRun(id);
    expect(v).toMatchObject({ status: "completed", attempts: 2, result: { attempt: 2, n: 2 }, onComplete: "done" });
    expect(await probe().count(key)).toBe(2);
    expect(await logged(`onComplete/${id}`)).toHaveLength(1);
  });

  it("counts an attempt lost with its object as a failure and retries it", async () => {
    const key = uniqueName("lost");
    const r = retrier({ initialBackoffMs: 100, maxFailures: 2 });
    const id = await r.run({ env }, hangJob, { key, ms: 600_000 });
    await expect.poll(() => probe().count(`${key}/started`)).toBe(1);
    // A crash mid-attempt (eviction would wait for the attempt to drain; aborting does not).
    await abortAllDurableObjects();
    // The watchdog alarm finds attempt 1 running with nobody executing it.
    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(true);
    let v = await settledRun(id);
    expect(v).toMatchObject({ status: "pending", attempts: 1 });
    expect(v.history[0]!.error).toMatchObject({ code: "action.interrupted" });
    v = await fireRun(id);
    expect(v).toMatchObject({ status: "completed", attempts: 2, result: "attempt 2" });
  });

  it("starts one run per idempotency key: a retried caller gets the same id", async () => {
    const key = uniqueName("idem");
    const r = retrier();
    const ctx = { env, idempotencyKey: `${key}:caller` };
    const a = await r.run(ctx, flakyJob, { key, failures: 0 });
    const b = await r.run({ env, idempotencyKey: `${key}:caller` }, flakyJob, { key, failures: 0 });
    const c = await r.run(ctx, flakyJob, { key, failures: 0 });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    await settledRun(a);
    await settledRun(c);
    expect(await probe().count(key)).toBe(2);
  });

  it("answers a start under an existing id with another action or other args with a conflict, not that run", async () => {
    const id = uniqueName("fixed-id");
    const r = retrier();
    expect(await r.run({ env }, flakyJob, { key: id, failures: 0 }, { id })).toBe(id);
    await settledRun(id);
    const other = await r.run({ env }, hangJob, { key: id }, { id }).catch((e: unknown) => e);
    expect(other).toMatchObject({ code: "job.id_conflict" });
    const otherArgs = await r.run({ env }, flakyJob, { key: id, failures: 3 }, { id }).catch((e: unknown) => e);
    expect(otherArgs).toMatchObject({ code: "job.id_conflict" });
    // The same start again is the same run.
    expect(await r.run({ env }, flakyJob, { key: id, failures: 0 }, { id })).toBe(id);
    expect(await r.status(id)).toMatchObject({ action: "components.flaky", status: "completed" });
    expect(await probe().count(id)).toBe(1);
  });
});
