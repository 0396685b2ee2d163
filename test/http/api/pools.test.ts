// The console's component routes in workerd, over real objects: a pool's line and slots while jobs are
// held and after they drain, its recent failures (bounded), unknown and invalid names, and the live
// ActionRetrier runs (listed during a backoff, gone once the run ended; alarms fired by hand).
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flakyJob, tracked } from "../../fixtures/components/actions.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { probe } from "../../helpers/runtime.ts";
import { fireRun, retrier, runs, settledRun, testPool, uniqueName } from "../../helpers/components.ts";
import { unwrap } from "../../../src/kernel/result.ts";

interface PoolBody {
  name: string;
  maxParallelism: number;
  queued: number;
  inFlight: number;
  recentFailures: { jobId: string; action: string; error: { code: string; message: string }; at: number }[];
}

interface RetrierBody {
  inFlight: { runId: string; action: string; status: string; attempt: number; maxAttempts: number; startedAt: number; nextAttemptAt: number | null }[];
  nextCursor: string | null;
}

async function getPool(name: string): Promise<PoolBody | null> {
  const res = await call("GET", `/api/pools/${encodeURIComponent(name)}`);
  if (res.status === 404) return null;
  expect(res.status).toBe(200);
  return (await res.json()) as PoolBody;
}

async function liveRetriers(): Promise<RetrierBody["inFlight"]> {
  const res = await call("GET", "/api/retriers?limit=200");
  expect(res.status).toBe(200);
  return ((await res.json()) as RetrierBody).inFlight;
}

describe("GET /api/pools", { timeout: 30_000 }, () => {
  it("shows a pool of 2 with 5 held jobs as 2 in flight and 3 queued, then drained", async () => {
    const name = uniqueName("console");
    const key = `${name}/tracked`;
    const gate = `${name}/open`;
    const pool = testPool(name, { maxParallelism: 2 });
    for (let i = 0; i < 5; i++) await pool.enqueueAction({ env }, tracked, { key, i, ms: 0, gate });

    // Two jobs hold their slots (their actions wait on the gate); three wait in line.
    await expect.poll(() => getPool(name)).toEqual({ name, maxParallelism: 2, queued: 3, inFlight: 2, recentFailures: [] });
    expect(await probe().count(`${key}/done`)).toBe(0);
    const listed = (await (await call("GET", "/api/pools")).json()) as { pools: PoolBody[] };
    expect(listed.pools.find((p) => p.name === name)).toEqual({ name, maxParallelism: 2, queued: 3, inFlight: 2, recentFailures: [] });

    await probe().hit(gate);
    await expect.poll(() => getPool(name), { timeout: 20_000 }).toMatchObject({ queued: 0, inFlight: 0, recentFailures: [] });
    expect(await probe().count(`${key}/done`)).toBe(5);
  });

  it("records a job that failed for good, with its error, newest first and at most 20", async () => {
    const name = uniqueName("failing");
    const key = `${name}/flaky`;
    const pool = testPool(name, { maxParallelism: 3 });
    // One retry each: the failure is recorded once the second attempt fails, not at the first.
    const first = await pool.enqueueAction({ env }, flakyJob, { key, failures: 1_000 }, { retry: { maxAttempts: 2, initialBackoffMs: 60_000 } });
    await expect.poll(async () => (await pool.status(first)).nextAttemptAt !== null).toBe(true);
    expect((await getPool(name))?.recentFailures).toEqual([]);
    expect(await fireRun(first)).toMatchObject({ status: "failed", attempts: 2 });
    await expect
      .poll(async () => (await getPool(name))?.recentFailures)
      .toEqual([{ jobId: first, action: "components.flaky", error: { code: "action.failed", message: "transient failure 2" }, at: expect.any(Number) }]);

    const more: string[] = [];
    for (let i = 0; i < 24; i++) more.push(await pool.enqueueAction({ env }, flakyJob, { key: `${key}/${i}`, failures: 1 }));
    await expect.poll(async () => (await pool.stats()).released, { timeout: 20_000 }).toBe(26);
    await expect.poll(async () => (await Promise.all(more.map((id) => pool.status(id)))).every((v) => v.status === "failed"), { timeout: 20_000 }).toBe(true);
    // Each failure is reported by its own run once it ended: wait until the 25th is in.
    await expect
      .poll(async () => {
        const failures = (await getPool(name))?.recentFailures ?? [];
        return failures.length === 20 && failures.every((f) => more.includes(f.jobId));
      })
      .toBe(true);
    const body = await getPool(name);
    const failures = body!.recentFailures;
    expect(new Set(failures.map((f) => f.jobId)).size).toBe(20);
    for (const f of failures) expect(f).toMatchObject({ action: "components.flaky", error: { code: "action.failed", message: "transient failure 1" } });
    expect(failures.map((f) => f.at)).toEqual([...failures.map((f) => f.at)].sort((a, b) => b - a));
  });

  it("answers 404 pool.not_found for a name no pool has used, 400 with the path for an invalid one", async () => {
    const unknown = await call("GET", `/api/pools/${uniqueName("never")}`);
    expect(unknown.status).toBe(404);
    expect(await problemOf(unknown)).toMatchObject({ code: "pool.not_found", status: 404 });

    const invalid = await call("GET", `/api/pools/${encodeURIComponent("~directory")}`);
    expect(invalid.status).toBe(400);
    expect(await problemOf(invalid)).toMatchObject({ code: "request.invalid", errors: [{ path: "/name" }] });

    const badLimit = await call("GET", "/api/retriers?limit=0");
    expect(badLimit.status).toBe(400);
    expect(await problemOf(badLimit)).toMatchObject({ code: "request.invalid", errors: [{ path: "/limit" }] });

    const badCursor = await call("GET", "/api/retriers?cursor=nope");
    expect(badCursor.status).toBe(400);
    expect(await problemOf(badCursor)).toMatchObject({ code: "request.invalid_cursor" });

    expect((await call("GET", "/api/pools", undefined, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await call("GET", "/api/retriers", undefined, { authorization: "Bearer wrong" })).status).toBe(401);
  });
});

describe("GET /api/retriers", { timeout: 30_000 }, () => {
  it("lists a retrier run while it waits out its backoff, and not once it has ended", async () => {
    const key = uniqueName("backoff");
    const r = retrier({ initialBackoffMs: 60_000, maxFailures: 1 });
    const id = await r.run({ env }, flakyJob, { key, failures: 100 });
    const waiting = await settledRun(id);
    expect(waiting).toMatchObject({ status: "pending", attempts: 1 });

    const live = (await liveRetriers()).find((x) => x.runId === id);
    expect(live).toEqual({
      runId: id,
      action: "components.flaky",
      status: "pending",
      attempt: 1,
      maxAttempts: 2,
      startedAt: waiting.createdAt,
      nextAttemptAt: waiting.nextAttemptAt,
    });
    expect(live!.nextAttemptAt).toBeGreaterThan(Date.now() + 30_000);

    // The backoff's alarm, by hand: the second attempt fails too, and the run is over.
    expect(await fireRun(id)).toMatchObject({ status: "failed", attempts: 2 });
    expect((await liveRetriers()).map((x) => x.runId)).not.toContain(id);
    // The run took itself out of the directory (the list does not just hide it), and keeps no alarm.
    const directory = unwrap(await runs.getByName("~directory").directoryList({ limit: 200 }));
    expect(directory.entries.map((e) => e.runId)).not.toContain(id);
    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(false);
  });

  it("takes an ended run out of the directory on its watchdog when its object died before the removal was confirmed", async () => {
    const key = uniqueName("crash");
    const id = await retrier({ initialBackoffMs: 60_000, maxFailures: 0 }).run({ env }, flakyJob, { key, failures: 100 });
    expect(await settledRun(id)).toMatchObject({ status: "failed", attempts: 1 });
    // The state a crash right after the run's last transition leaves: ended, the removal owed (stored
    // with the transition), the directory still listing it, the watchdog armed; then the object is gone.
    const directory = runs.getByName("~directory");
    unwrap(await directory.directoryAdd({ runId: id, action: "components.flaky", createdAt: 1 }));
    await runInDurableObject(runs.getByName(id), async (_instance, state) => {
      state.storage.sql.exec("UPDATE run SET outbox = 'unlist'");
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await evictDurableObject(runs.getByName(id));

    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(true);
    await settledRun(id);
    expect(unwrap(await directory.directoryList({ limit: 200 })).entries.map((e) => e.runId)).not.toContain(id);
    expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(false);
  });

  it("pages oldest first with nextCursor", async () => {
    const key = uniqueName("paged");
    const r = retrier({ initialBackoffMs: 60_000, maxFailures: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await r.run({ env }, flakyJob, { key: `${key}/${i}`, failures: 100 });
      await settledRun(id);
      ids.push(id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res = await call("GET", `/api/retriers?limit=1${cursor === null ? "" : `&cursor=${cursor}`}`);
      const body = (await res.json()) as RetrierBody;
      seen.push(...body.inFlight.map((x) => x.runId));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
  });
});
