// The Workpool in workerd: the limit holds across every job and every workflow run, the line is first
// in first out, the limit changes at run time (0 pauses), cancel, retries in a pool, and a lapsed lease
// (a holder that never came back) giving its slot to the next in line when the pool's alarm fires.
import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flakyJob, hangJob, logOutcome, tracked } from "../../fixtures/components/actions.ts";
import { client, fireUntil, logged, probe, runStub } from "../../helpers/runtime.ts";
import { manualClock, type ManualClock } from "../../helpers/clock.ts";
import { fireRun, poolUntil, pools, testPool, uniqueName } from "../../helpers/components.ts";

type PoolStub = ReturnType<typeof pools.getByName>;

/** Runs `fn` with the pool object's clock (test/worker.ts gives each pool a manual one). */
function poolClock(stub: PoolStub, fn: (clock: ManualClock) => void): Promise<void> {
  return runInDurableObject(stub, (instance) => fn(manualClock(instance)));
}

/** How long the lease of the slot in use has left by the pool's clock; null while no slot is in use. */
function leaseLeft(stub: PoolStub): Promise<number | null> {
  return runInDurableObject(stub, (instance, state) => {
    const until = state.storage.sql.exec("SELECT until FROM entries WHERE state = 'active'").toArray()[0]?.until;
    return typeof until === "number" ? until - manualClock(instance).now() : null;
  });
}

describe("Workpool", { timeout: 30_000 }, () => {
  it("runs 50 jobs on a pool of 5: never more than 5 at once, all complete, in FIFO start order", async () => {
    const name = uniqueName("p5");
    const key = `${name}/tracked`;
    const pool = testPool(name, { maxParallelism: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await pool.enqueueAction({ env }, tracked, { key, i, ms: 10 }));

    const stats = await poolUntil(name, (s) => s.released === 50);
    expect(stats).toMatchObject({ maxParallelism: 5, inFlight: 0, queued: 0, enqueued: 50, granted: 50, expired: 0 });
    expect(await probe().max(key)).toBe(5);
    expect(await probe().count(`${key}/done`)).toBe(50);
    expect(await logged(`${key}/starts`)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const [i, id] of ids.entries()) {
      expect(await pool.status(id)).toMatchObject({ status: "completed", result: i * 2, attempts: 1 });
    }
  });

  it("shares one limit of 3 between the steps of 20 workflow runs", async () => {
    const name = uniqueName("p3");
    const key = `${name}/steps`;
    const started = await Promise.all(
      Array.from({ length: 20 }, () => client.startRun("components.pooled-steps", { pool: name, max: 3, key, steps: 2, ms: 5 })),
    );
    await expect
      .poll(async () => (await Promise.all(started.map((r) => client.getRun(r.runId, { steps: "none" })))).every((v) => v.status === "completed"), {
        timeout: 30_000,
        interval: 50,
      })
      .toBe(true);
    for (const { runId } of started) expect((await client.getRun(runId, { steps: "none" })).result).toBe(2);
    expect(await probe().max(key)).toBe(3);
    expect(await probe().count(`${key}/done`)).toBe(40);
    expect(await testPool(name).stats()).toMatchObject({ inFlight: 0, queued: 0, granted: 40, released: 40 });
  });

  it("pauses at maxParallelism 0 and resumes when the limit is raised at run time", async () => {
    const name = uniqueName("pause");
    const key = `${name}/tracked`;
    const pool = testPool(name, { maxParallelism: 3 });
    await pool.setMaxParallelism(0);
    for (let i = 0; i < 4; i++) await pool.enqueueAction({ env }, tracked, { key, i, ms: 5 });
    // Grants happen inside the call that frees a slot or queues an entry: nothing was granted.
    expect(await pool.stats()).toMatchObject({ maxParallelism: 0, overrideMaxParallelism: 0, declaredMaxParallelism: 3, inFlight: 0, queued: 4, granted: 0 });

    expect(await pool.setMaxParallelism(2)).toMatchObject({ maxParallelism: 2, inFlight: 2, queued: 2 });
    await poolUntil(name, (s) => s.released === 4);
    expect(await probe().max(key)).toBe(2);
    // Clearing the override goes back to what the constructors declare.
    expect(await pool.setMaxParallelism(null)).toMatchObject({ maxParallelism: 3, overrideMaxParallelism: null });
  });

  it("keeps a waiting step's place when its run object is lost: the replayed attempt takes over the entry", async () => {
    const name = uniqueName("takeover");
    const key = `${name}/steps`;
    const pool = testPool(name, { maxParallelism: 1 });
    await pool.setMaxParallelism(0);
    const { runId } = await client.startRun("components.pooled-steps", { pool: name, max: 1, key, steps: 1, ms: 1 });
    await poolUntil(name, (s) => s.queued === 1);
    await abortAllDurableObjects(); // the run object (and its waiting acquire call) is gone
    // The run's watchdog alarm replays it: the step's attempt 2 asks for a slot under the same family.
    expect(await runDurableObjectAlarm(runStub(runId))).toBe(true);
    await expect.poll(async () => (await client.getRun(runId)).steps?.[0]?.attempts).toBe(2);
    expect(await pool.stats()).toMatchObject({ queued: 1, abandoned: 0 });
    await pool.setMaxParallelism(1);
    await expect.poll(async () => (await client.getRun(runId, { steps: "none" })).status, { timeout: 10_000 }).toBe("completed");
    expect(await pool.stats()).toMatchObject({ granted: 1, released: 1, expired: 0, abandoned: 0, inFlight: 0, queued: 0 });
  });

  it("cancels a queued job: it never runs, and onComplete hears `canceled` once", async () => {
    const name = uniqueName("cancel");
    const pool = testPool(name, { maxParallelism: 0 });
    const key = `${name}/tracked`;
    const id = await pool.enqueueAction({ env }, tracked, { key, i: 0, ms: 1 }, { onComplete: logOutcome, context: { why: "test" } });
    expect(await pool.status(id)).toMatchObject({ status: "pending", position: 0, attempts: 0 });
    await pool.cancel(id);
    await expect.poll(() => logged(`onComplete/${id}`)).toEqual([{ outcome: { status: "canceled" }, context: { why: "test" }, key: `${id}:onComplete` }]);
    expect(await pool.status(id)).toMatchObject({ status: "canceled", attempts: 0 });
    await pool.setMaxParallelism(5);
    expect(await pool.stats()).toMatchObject({ queued: 0, inFlight: 0, canceled: 1 });
    expect(await probe().count(`${key}/done`)).toBe(0);
  });

  it("cancels a running job: its signal aborts and its slot comes back", async () => {
    const name = uniqueName("cancel-run");
    const pool = testPool(name, { maxParallelism: 1 });
    const key = `${name}/hang`;
    const id = await pool.enqueueAction({ env }, hangJob, { key }, { onComplete: logOutcome });
    await expect.poll(() => probe().count(`${key}/started`)).toBe(1);
    expect(await pool.status(id)).toMatchObject({ status: "running", attempts: 1 });
    await pool.cancel(id);
    await expect.poll(() => logged(`${key}/aborted`)).toEqual(["job.canceled"]);
    await poolUntil(name, (s) => s.inFlight === 0 && s.released === 1);
    await expect.poll(() => logged(`onComplete/${id}`)).toEqual([{ outcome: { status: "canceled" }, context: null, key: `${id}:onComplete` }]);
    await expect(pool.cancel(id)).rejects.toMatchObject({ code: "job.already_finished" });
  });

  it("retries a failed job through the pool: the slot is given back during the backoff", async () => {
    const name = uniqueName("retry");
    const pool = testPool(name, { maxParallelism: 1 });
    const key = `${name}/flaky`;
    const id = await pool.enqueueAction({ env }, flakyJob, { key, failures: 1 }, { retry: { maxAttempts: 3, initialBackoffMs: 1000 } });
    await expect.poll(async () => (await pool.status(id)).nextAttemptAt !== null).toBe(true);
    expect(await pool.stats()).toMatchObject({ inFlight: 0, released: 1 });
    const done = await fireRun(id);
    expect(done).toMatchObject({ status: "completed", attempts: 2, result: { attempt: 2, n: 2 } });
    expect(await pool.stats()).toMatchObject({ inFlight: 0, granted: 2, released: 2 });
  });

  it("keeps the slot of an action that runs longer than the lease: its holder renews it", async () => {
    const name = uniqueName("renew");
    const key = `${name}/tracked`;
    const gate = `${name}/done`;
    const pool = testPool(name, { maxParallelism: 1, leaseMs: 200 });
    // The pool's clock stands still a day ahead, so its alarms never ring on their own: time passes for
    // the pool only when the test moves it, and a lapse is seen only when the test rings the alarm.
    const stub = pools.getByName(name);
    await poolClock(stub, (clock) => clock.stop(Date.now() + 24 * 60 * 60 * 1000));
    const first = await pool.enqueueAction({ env }, tracked, { key, i: 0, ms: 0, gate });
    const second = await pool.enqueueAction({ env }, tracked, { key, i: 1, ms: 1 });
    await expect.poll(() => logged(`${key}/starts`)).toEqual([0]);
    // Six leases long: the pool's time moves 150 ms, the holder's next heartbeat renews the lease from
    // there, the time moves past where the lease would have ended without it, and the alarm rings.
    for (let i = 0; i < 6; i++) {
      await poolClock(stub, (clock) => clock.advance(150));
      await expect.poll(() => leaseLeft(stub), { timeout: 10_000 }).toBe(200);
      await poolClock(stub, (clock) => clock.advance(150));
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      expect(await pool.stats()).toMatchObject({ expired: 0, inFlight: 1, queued: 1 });
    }
    await probe().hit(gate);
    await poolUntil(name, (s) => s.released === 2);
    expect(await pool.stats()).toMatchObject({ expired: 0, granted: 2 });
    expect(await probe().max(key)).toBe(1);
    expect(await logged(`${key}/starts`)).toEqual([0, 1]);
    expect(await pool.status(first)).toMatchObject({ status: "completed", attempts: 1 });
    expect(await pool.status(second)).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("gives a lapsed lease's slot to the next in line when the pool's alarm fires", async () => {
    const name = uniqueName("lease");
    const key = `${name}/tracked`;
    const pool = testPool(name, { maxParallelism: 1, leaseMs: 60_000 });
    // A holder that takes the slot and is never heard of again (no heartbeat, no release).
    const ghost = await pools.getByName(name).acquire({ pool: { name, maxParallelism: 1, leaseMs: 60_000 }, holderId: "ghost" });
    expect(ghost).toMatchObject({ ok: true, value: { granted: true, leaseMs: 60_000 } });
    const id = await pool.enqueueAction({ env }, tracked, { key, i: 0, ms: 1 });
    expect(await pool.stats()).toMatchObject({ inFlight: 1, queued: 1 });

    // The pool's alarm rings for the lease's end (an alarm set for an earlier deadline that moved
    // only re-arms, so ring until the lapse is seen).
    for (let i = 0; i < 5 && (await pool.stats()).expired === 0; i++) expect(await runDurableObjectAlarm(pools.getByName(name))).toBe(true);
    await poolUntil(name, (s) => s.released === 1);
    expect(await pool.stats()).toMatchObject({ expired: 1, inFlight: 0, queued: 0 });
    expect(await pool.status(id)).toMatchObject({ status: "completed", result: 0 });
  });

  it("refuses an action that is not registered, and args its schema rejects, at enqueue time", async () => {
    const pool = testPool(uniqueName("refuse"));
    const { defineAction } = await import("../../../src/engine/index.ts");
    const { z } = await import("zod");
    const stray = defineAction({ name: "stray", args: z.object({}), handler: () => 1 });
    await expect(pool.enqueueAction({ env }, stray, {})).rejects.toMatchObject({ code: "action.not_registered" });
    // SAFETY: deliberately wrong args, to see them refused.
    await expect(pool.enqueueAction({ env }, tracked, { key: 1 } as never)).rejects.toMatchObject({ code: "job.invalid_args" });
  });

  it("enqueues from a workflow step once, even if the handler replays", async () => {
    const name = uniqueName("from-step");
    const { runId } = await client.startRun("components.enqueues-job", { pool: name, key: `${name}/k` });
    await expect.poll(async () => (await client.getRun(runId)).status).toBe("sleeping");
    const run = await client.getRun(runId);
    expect(run.steps![0]).toMatchObject({ name: "workpool.enqueue:components.tracked", status: "completed" });
    const jobId = run.steps![0]!.result as string;
    await poolUntil(name, (s) => s.released === 1);
    // Lose the run's memory during its sleep: the replay meets the journaled enqueue, not a new one.
    await evictDurableObject(runStub(runId));
    const done = await fireUntil(runStub(runId), (v) => v.status === "completed");
    expect(done.result).toBe(jobId);
    expect(done.stats.replayedSteps).toBe(2);
    expect(await testPool(name).stats()).toMatchObject({ enqueued: 1, released: 1 });
    expect(await testPool(name).status(jobId)).toMatchObject({ status: "completed" });
  });
});
