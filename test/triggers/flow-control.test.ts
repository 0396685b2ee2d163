// Flow control in workerd: runs of a workflow with a concurrency limit or a throttle wait in line
// (`queued`, with their place) and start in order as slots free; a debounce folds a burst into one run
// with the last args; a rate limit refuses starts past it. The lines live in real Workpool objects.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flowPoolName } from "../../src/engine/flow.ts";
import type { RunView } from "../../src/engine/index.ts";
import { manualClock } from "../helpers/clock.ts";
import { call, problemOf } from "../helpers/http.ts";
import { client, refusal, runStub, settle, view } from "../helpers/runtime.ts";

let seq = 0;
/** A user name no other test uses: each key is its own line. */
const user = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${seq++}`;

async function start(workflow: string, args: { user: string; n: number }): Promise<string> {
  const { runId } = await client.startRun(workflow, args);
  await settle(runStub(runId));
  return runId;
}

const statusOf = async (runId: string) => (await view(runStub(runId), "none")).status;

async function untilStatus(runId: string, status: RunView["status"]): Promise<RunView> {
  await expect.poll(() => statusOf(runId), { timeout: 10_000, interval: 10 }).toBe(status);
  return view(runStub(runId), "none");
}

async function go(runId: string): Promise<void> {
  await client.signalRun(runId, "go", true);
  await untilStatus(runId, "completed");
}

function linePool(workflow: string, kind: "concurrency" | "throttle" | "debounce" | "rateLimit", key: string) {
  return flowPoolName(workflow, kind, key).then((name) => env.WORKPOOLS.getByName(name));
}

async function eventTypes(runId: string): Promise<string[]> {
  return runInDurableObject(runStub(runId), (_i, state) =>
    state.storage.sql
      .exec("SELECT type FROM events ORDER BY seq")
      .toArray()
      .map((r) => String(r.type)),
  );
}

describe("concurrency", { timeout: 30_000 }, () => {
  it("runs one per key at a time; the others wait queued, in order, with their place, and start as slots free", async () => {
    const a = user("a");
    const b = user("b");
    const a1 = await start("flow.perUser", { user: a, n: 1 });
    const a2 = await start("flow.perUser", { user: a, n: 2 });
    const a3 = await start("flow.perUser", { user: a, n: 3 });
    const b1 = await start("flow.perUser", { user: b, n: 1 });

    expect(await statusOf(a1)).toBe("waiting");
    expect(await statusOf(b1)).toBe("waiting"); // another key: another line
    const v2 = await view(runStub(a2), "none");
    expect(v2).toMatchObject({ status: "queued", stepCount: 0, queue: { kind: "concurrency", key: a, position: 0 } });
    const overHttp = await (await call("GET", `/api/runs/${a2}?steps=none`)).json();
    expect(overHttp).toMatchObject({ status: "queued", queue: { kind: "concurrency", key: a, position: 0, dueAt: null } });
    expect((await view(runStub(a3), "none")).queue).toMatchObject({ position: 1 });

    await go(a1);
    const admitted = await untilStatus(a2, "waiting");
    expect(admitted.queue).toBeUndefined();
    expect((await view(runStub(a3), "none")).queue).toMatchObject({ position: 0 });
    expect(await eventTypes(a2)).toEqual(expect.arrayContaining(["run.queued", "run.admitted"]));
    expect(await eventTypes(a1)).not.toContain("run.queued");

    await go(a2);
    await untilStatus(a3, "waiting");
    await go(a3);
    await go(b1);
    expect((await client.getRun(a3)).result).toBe(`${a}:3`);
  });

  it("a limit of 2 without a key: the third run waits for either of the first two", async () => {
    const u = user("two");
    const runs = [];
    for (let n = 0; n < 4; n++) runs.push(await start("flow.twoAtOnce", { user: u, n }));
    const statuses = await Promise.all(runs.map(statusOf));
    // Other tests' runs of this workflow may hold slots too; at most two of ours run.
    expect(statuses.filter((s) => s === "waiting").length).toBeLessThanOrEqual(2);
    for (const r of runs) {
      await untilStatus(r, "waiting");
      await go(r);
    }
  });

  it("canceling a queued run takes it out of line: the next one moves up, and the canceled run never starts", async () => {
    const u = user("c");
    const first = await start("flow.perUser", { user: u, n: 1 });
    const second = await start("flow.perUser", { user: u, n: 2 });
    const third = await start("flow.perUser", { user: u, n: 3 });
    await client.cancelRun(second);
    expect(await statusOf(second)).toBe("canceled");
    await expect.poll(async () => (await view(runStub(third), "none")).queue?.position, { timeout: 5_000, interval: 10 }).toBe(0);
    await go(first);
    await untilStatus(third, "waiting");
    expect((await view(runStub(second))).stepCount).toBe(0);
    await go(third);
  });

  it("a canceled run that held the slot gives it back", async () => {
    const u = user("d");
    const first = await start("flow.perUser", { user: u, n: 1 });
    const second = await start("flow.perUser", { user: u, n: 2 });
    await client.cancelRun(first);
    await untilStatus(second, "waiting");
    await go(second);
  });

  it("an idempotent start of a queued run returns it, still queued", async () => {
    const u = user("e");
    const first = await start("flow.perUser", { user: u, n: 1 });
    const again = await client.startRun("flow.perUser", { user: u, n: 2 }, { idempotencyKey: `${u}-k` });
    expect(again).toMatchObject({ status: "queued", created: true });
    const repeat = await client.startRun("flow.perUser", { user: u, n: 2 }, { idempotencyKey: `${u}-k` });
    expect(repeat).toMatchObject({ runId: again.runId, status: "queued", created: false });
    await go(first);
    await untilStatus(again.runId, "waiting");
    await go(again.runId);
  });

  it("queued runs are listed by the run index as queued", async () => {
    const u = user("f");
    const first = await start("flow.perUser", { user: u, n: 1 });
    const second = await start("flow.perUser", { user: u, n: 2 });
    await expect
      .poll(async () => (await client.listRuns({ workflow: "flow.perUser", status: "queued", limit: 100 })).runs.some((r) => r.runId === second), {
        timeout: 5_000,
        interval: 10,
      })
      .toBe(true);
    await go(first);
    await untilStatus(second, "waiting");
    await go(second);
  });

  it("a key expression that throws refuses the start with run.flow_key_failed, and nothing is created", async () => {
    const err = await refusal(client.startRun("flow.badKey", { user: "bad", n: 1 }, { runId: `bad-key-${seq++}` }));
    expect(err.code).toBe("run.flow_key_failed");
    expect(err.message).toContain("no key for bad");
  });
});

describe("throttle", { timeout: 30_000 }, () => {
  it("starts two per period per key; the third waits until the first slot's period runs out", async () => {
    const u = user("t");
    const pool = await linePool("flow.throttled", "throttle", u);
    const t0 = Date.now();
    await runInDurableObject(pool, (instance) => manualClock(instance).stop(t0));
    const r1 = await start("flow.throttled", { user: u, n: 1 });
    const r2 = await start("flow.throttled", { user: u, n: 2 });
    const r3 = await start("flow.throttled", { user: u, n: 3 });
    await untilStatus(r1, "completed");
    await untilStatus(r2, "completed");
    // Both runs ended, but their starts still count for the period.
    expect(await view(runStub(r3), "none")).toMatchObject({ status: "queued", queue: { kind: "throttle", position: 0 } });

    // The pool's alarm is set for the moment the first slot's period ends.
    expect(await runInDurableObject(pool, (_i, state) => state.storage.getAlarm())).toBe(t0 + 1000);
    await runInDurableObject(pool, (instance) => manualClock(instance).advance(1000));
    await runDurableObjectAlarm(pool);
    await untilStatus(r3, "completed");
    expect((await client.getRun(r3)).result).toBe(3);
  });
});

describe("debounce", { timeout: 30_000 }, () => {
  it("a burst of starts for one key is one run, started with the last args when the burst is quiet", async () => {
    const u = user("deb");
    const other = user("deb-other");
    const pool = await linePool("flow.debounced", "debounce", u);
    const t0 = Date.now();
    await runInDurableObject(pool, (instance) => manualClock(instance).stop(t0));
    const first = await client.startRun("flow.debounced", { user: u, n: 1 });
    expect(first).toMatchObject({ status: "queued", created: true });
    await runInDurableObject(pool, (instance) => manualClock(instance).advance(300));
    const second = await client.startRun("flow.debounced", { user: u, n: 2 });
    const third = await client.startRun("flow.debounced", { user: u, n: 3 });
    expect(second).toEqual({ runId: first.runId, status: "queued", created: false });
    expect(third.runId).toBe(first.runId);
    const elsewhere = await client.startRun("flow.debounced", { user: other, n: 9 });
    expect(elsewhere.runId).not.toBe(first.runId);

    const v = await view(runStub(first.runId), "none");
    expect(v).toMatchObject({ status: "queued", queue: { kind: "debounce", key: u, dueAt: t0 + 300 + 500 } });

    // Due 500 ms after the last start: an alarm before then starts nothing.
    await runInDurableObject(pool, (instance) => manualClock(instance).advance(400));
    await runDurableObjectAlarm(pool);
    expect(await statusOf(first.runId)).toBe("queued");
    await runInDurableObject(pool, (instance) => manualClock(instance).advance(100));
    await runDurableObjectAlarm(pool);
    const done = await untilStatus(first.runId, "completed");
    expect(done.result).toBe(`${u}:3`);
    expect(done.args).toEqual({ user: u, n: 3 });

    // The burst is over: the next start opens a new one.
    const next = await client.startRun("flow.debounced", { user: u, n: 4 });
    expect(next.runId).not.toBe(first.runId);
  });

  it("maxWait bounds a burst that never goes quiet", async () => {
    const u = user("deb-max");
    const pool = await linePool("flow.debounced", "debounce", u);
    const t0 = Date.now();
    await runInDurableObject(pool, (instance) => manualClock(instance).stop(t0));
    const first = await client.startRun("flow.debounced", { user: u, n: 0 });
    for (let n = 1; n <= 5; n++) {
      await runInDurableObject(pool, (instance) => manualClock(instance).advance(400));
      await client.startRun("flow.debounced", { user: u, n });
    }
    // 2,000 ms after the first start, however recent the last one.
    expect((await view(runStub(first.runId), "none")).queue?.dueAt).toBe(t0 + 2000);
  });
});

describe("rateLimit", { timeout: 30_000 }, () => {
  it("refuses starts past the limit per key with run.rate_limited and when to try again; others keys are not limited", async () => {
    const u = user("rl");
    const pool = await linePool("flow.limited", "rateLimit", u);
    const t0 = Date.now();
    await runInDurableObject(pool, (instance) => manualClock(instance).stop(t0));
    for (let n = 0; n < 3; n++) await client.startRun("flow.limited", { user: u, n });
    const refusedId = `refused-${u}`;
    const refused = await refusal(client.startRun("flow.limited", { user: u, n: 3 }, { runId: refusedId }));
    expect(refused.code).toBe("run.rate_limited");
    expect(refused.details).toEqual({ retryAfterMs: 60_000 });
    expect((await refusal(client.getRun(refusedId))).code).toBe("run.not_found");
    expect((await client.startRun("flow.limited", { user: user("rl-other"), n: 0 })).created).toBe(true);

    await runInDurableObject(pool, (instance) => manualClock(instance).advance(60_000));
    expect((await client.startRun("flow.limited", { user: u, n: 4 })).created).toBe(true);
  });

  it("over HTTP: a 429 problem with retryAfterMs and Retry-After", async () => {
    const u = user("rl-http");
    const pool = await linePool("flow.limited", "rateLimit", u);
    await runInDurableObject(pool, (instance) => manualClock(instance).stop(Date.now()));
    for (let n = 0; n < 3; n++) expect((await call("POST", "/api/workflows/flow.limited/runs", { args: { user: u, n } })).status).toBe(201);
    const res = await call("POST", "/api/workflows/flow.limited/runs", { args: { user: u, n: 3 } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(await problemOf(res)).toMatchObject({ code: "run.rate_limited", retryAfterMs: 60_000 });
  });
});

describe("a line that does not answer", { timeout: 30_000 }, () => {
  const faults = (plan: string | undefined) => {
    env.STEPWISE_FAULTS = plan;
  };

  it("a run whose joining failed is queued and joins when its watchdog fires; one that could not leave gives its slot back then", async () => {
    const u = user("fault");
    faults("fail=1,only=run.flow");
    try {
      const first = await client.startRun("flow.perUser", { user: u, n: 1 });
      // The pool never heard of it: the run waits, with its watchdog armed to try again.
      expect(first.status).toBe("queued");
      expect((await view(runStub(first.runId), "none")).queue).toMatchObject({ position: null });
      faults(undefined);
      await runDurableObjectAlarm(runStub(first.runId));
      await untilStatus(first.runId, "waiting");

      const second = await start("flow.perUser", { user: u, n: 2 });
      expect(await statusOf(second)).toBe("queued");
      faults("fail=1,only=run.flow");
      await client.signalRun(first.runId, "go", true);
      await untilStatus(first.runId, "completed");
      // The first run could not give its slot back: the second still waits.
      expect(await statusOf(second)).toBe("queued");
      faults(undefined);
      await runDurableObjectAlarm(runStub(first.runId));
      await untilStatus(second, "waiting");
      await go(second);
    } finally {
      faults(undefined);
    }
  });

  it("an admission the run never got is sent again by the pool's alarm", async () => {
    const u = user("fault-admit");
    const first = await start("flow.perUser", { user: u, n: 1 });
    const second = await start("flow.perUser", { user: u, n: 2 });
    const pool = await linePool("flow.perUser", "concurrency", u);
    try {
      faults("fail=1,only=flow.admit");
      await client.signalRun(first, "go", true);
      await untilStatus(first, "completed");
      // The first run gave its slot back; the pool's admission of the second failed: it is sent again.
      await expect
        .poll(() => runInDurableObject(pool, (_i, state) => state.storage.sql.exec("SELECT state FROM entries").toArray()[0]?.state))
        .toBe("dispatching");
      expect(await statusOf(second)).toBe("queued");
      faults(undefined);
      await runDurableObjectAlarm(pool);
      await untilStatus(second, "waiting");
      await go(second);
    } finally {
      faults(undefined);
    }
  });
});
