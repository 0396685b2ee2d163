// The pool's decisions without the runtime: limits, FIFO grants past abandoned holders, holder
// families, timings, and when the alarm must move.
import { describe, expect, it } from "vitest";
import {
  alarmCutoff,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_PARALLELISM,
  effectiveMax,
  heartbeatEveryMs,
  holderFamily,
  planGrants,
  pollWaitMs,
  PoolConfigInput,
  presenceMs,
  rearmTo,
  type QueuedEntry,
} from "../../../../src/components/workpool/core/queue.ts";

const holder = (h: string, until: number | null): QueuedEntry => ({ holder: h, jobId: null, until });
const job = (id: string): QueuedEntry => ({ holder: `${id}:1`, jobId: id, until: null });

describe("effectiveMax", () => {
  it.each([
    [{ declaredMax: null, overrideMax: null, leaseMs: null }, DEFAULT_MAX_PARALLELISM],
    [{ declaredMax: 5, overrideMax: null, leaseMs: null }, 5],
    [{ declaredMax: 5, overrideMax: 0, leaseMs: null }, 0],
    [{ declaredMax: 5, overrideMax: 50, leaseMs: null }, 50],
  ])("%j -> %i", (settings, max) => {
    expect(effectiveMax(settings)).toBe(max);
  });
});

describe("planGrants", () => {
  it("grants the head of the line in order, up to the free slots", () => {
    const queue = [job("a"), holder("b:1", 100), job("c"), job("d")];
    expect(planGrants({ free: 3, queue, now: 50, waiting: new Set() })).toEqual({ grant: [queue[0], queue[1], queue[2]], drop: [] });
    expect(planGrants({ free: 0, queue, now: 50, waiting: new Set() })).toEqual({ grant: [], drop: [] });
  });

  it("drops holders that stopped asking, but not one whose call is waiting, and never a job", () => {
    const gone = holder("gone:1", 10);
    const waiting = holder("waits:1", 10);
    const fresh = holder("fresh:1", 1000);
    const j = job("j");
    const plan = planGrants({ free: 2, queue: [gone, waiting, j, fresh], now: 500, waiting: new Set(["waits:1"]) });
    expect(plan).toEqual({ grant: [waiting, j], drop: [gone] });
  });
});

describe("holderFamily", () => {
  it.each([
    ["run_1:4:2", { family: "run_1:4", attempt: 2 }],
    ["job_9:1", { family: "job_9", attempt: 1 }],
    ["ghost", { family: "ghost", attempt: 0 }],
    ["a:b", { family: "a:b", attempt: 0 }],
  ])("%s", (id, expected) => {
    expect(holderFamily(id)).toEqual(expected);
  });
});

describe("timings", () => {
  it("renews three times per lease and answers a poll well before the lease could lapse", () => {
    expect(heartbeatEveryMs(DEFAULT_LEASE_MS)).toBe(10_000);
    expect(pollWaitMs(DEFAULT_LEASE_MS)).toBe(10_000);
    expect(pollWaitMs(1_000)).toBe(500);
    expect(presenceMs(1_000)).toBeGreaterThan(pollWaitMs(1_000));
  });

  it("counts an alarm fired early as fired on time", () => {
    expect(alarmCutoff(100, 500)).toBe(500);
    expect(alarmCutoff(900, 500)).toBe(900);
    expect(alarmCutoff(900, null)).toBe(900);
  });

  it("moves the alarm only earlier, and leaves it be when nothing is due", () => {
    expect(rearmTo(null, 100)).toEqual({ set: 100 });
    expect(rearmTo(200, 100)).toEqual({ set: 100 });
    expect(rearmTo(50, 100)).toBeNull();
    expect(rearmTo(50, null)).toBeNull();
    expect(rearmTo(null, null)).toBeNull();
  });
});

describe("PoolConfigInput", () => {
  it("accepts 0 (paused) and rejects nonsense", () => {
    expect(PoolConfigInput.parse({ name: "llm", maxParallelism: 0 })).toEqual({ name: "llm", maxParallelism: 0 });
    expect(() => PoolConfigInput.parse({ name: "llm", maxParallelism: -1 })).toThrow();
    expect(() => PoolConfigInput.parse({ name: "has space" })).toThrow();
    expect(() => PoolConfigInput.parse({ name: "llm", leaseMs: 5 })).toThrow();
  });
});
