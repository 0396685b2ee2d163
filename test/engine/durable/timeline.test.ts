// The run timeline: attempts rebuilt from the event log (backoff gaps, errors), sleeps and waits as their
// own kinds, parallel steps overlapping, windows that cover every step once, live runs, one step in full.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunTimeline, TimelineStep } from "../../../src/engine/index.ts";
import { manualClock } from "../../helpers/clock.ts";
import { client, fireAlarm, refusal, type RunStub, runStub, settle, startRun } from "../../helpers/runtime.ts";

let keys = 0;
const freshId = (label: string) => `timeline-${label}-${++keys}-${Date.now()}`;

/** A whole second an hour ahead: the run's alarms never come due on their own, only when a test fires them. */
const future = () => Math.ceil(Date.now() / 1000) * 1000 + 3_600_000;

/** A run object whose clock is stopped at `at` before its run starts; returns how to move it on. */
async function stoppedAt(runId: string, at: number): Promise<{ stub: RunStub; advance: (ms: number) => Promise<void> }> {
  const stub = runStub(runId);
  await runInDurableObject(stub, (instance) => manualClock(instance).stop(at));
  return { stub, advance: (ms) => runInDurableObject(stub, (instance) => manualClock(instance).advance(ms)) };
}

async function allSteps(runId: string, limit: number): Promise<{ steps: TimelineStep[]; windows: RunTimeline[] }> {
  const windows: RunTimeline[] = [];
  for (let after: number | null = -1; after !== null; ) {
    const w = await client.getTimeline(runId, { after, limit });
    windows.push(w);
    after = w.nextCursor;
  }
  return { steps: windows.flatMap((w) => w.steps), windows };
}

describe("run timeline", () => {
  it("shows a retried step's attempts with their errors and backoff gaps, then a sleep and a signal wait", async () => {
    const t0 = future();
    const runId = freshId("tour");
    const { stub, advance } = await stoppedAt(runId, t0);
    await client.startRun("timeline-tour", { failures: 2 }, { runId });
    await settle(stub);

    // Attempt 1 failed at t0; it waits out its backoff (500..1000 ms).
    let t = await client.getTimeline(runId);
    expect(t).toMatchObject({ runId, workflow: "timeline-tour", status: "sleeping", startedAt: t0, endedAt: null, now: t0, stepCount: 1, nextCursor: null });
    const retrying = t.steps[0]!;
    expect(retrying).toMatchObject({ seq: 0, kind: "action", status: "retrying", startedAt: t0, endedAt: null });
    expect(retrying.attempts).toEqual([
      {
        attempt: 1,
        startedAt: t0,
        endedAt: t0,
        outcome: "retrying",
        retryAt: retrying.wakeAt,
        error: { code: "action.failed", message: "transient failure 1" },
      },
    ]);
    const firstRetryAt = retrying.wakeAt!;

    await advance(2_000);
    await fireAlarm(stub); // attempt 2 at t0+2000 fails too
    await advance(3_000);
    await fireAlarm(stub); // attempt 3 at t0+5000 completes; the sleep starts
    t = await client.getTimeline(runId);
    expect(t.status).toBe("sleeping");
    const [action, nap] = t.steps;
    expect(action).toMatchObject({ status: "completed", startedAt: t0, endedAt: t0 + 5_000 });
    expect(action!.attempts).toEqual([
      { attempt: 1, startedAt: t0, endedAt: t0, outcome: "retrying", retryAt: firstRetryAt, error: { code: "action.failed", message: "transient failure 1" } },
      {
        attempt: 2,
        startedAt: t0 + 2_000,
        endedAt: t0 + 2_000,
        outcome: "retrying",
        retryAt: expect.any(Number),
        error: { code: "action.failed", message: "transient failure 2" },
      },
      { attempt: 3, startedAt: t0 + 5_000, endedAt: t0 + 5_000, outcome: "completed" },
    ]);
    // Each backoff is a gap between one attempt's end and the next one's start, at or after retryAt.
    const [a1, a2, a3] = action!.attempts;
    expect(a1!.retryAt! - a1!.endedAt!).toBeGreaterThanOrEqual(500);
    expect(a2!.retryAt! - a2!.endedAt!).toBeGreaterThanOrEqual(1_000);
    expect(a2!.startedAt).toBeGreaterThanOrEqual(a1!.retryAt!);
    expect(a3!.startedAt).toBeGreaterThanOrEqual(a2!.retryAt!);
    expect(nap).toEqual({
      seq: 1,
      name: "nap",
      kind: "sleep",
      status: "sleeping",
      startedAt: t0 + 5_000,
      endedAt: null,
      wakeAt: t0 + 65_000,
      attempts: [{ attempt: 1, startedAt: t0 + 5_000, endedAt: null, outcome: "running" }],
    });

    await advance(60_000);
    await fireAlarm(stub); // the sleep ends; the wait starts
    t = await client.getTimeline(runId);
    expect(t.status).toBe("waiting");
    expect(t.steps[1]).toMatchObject({ status: "completed", endedAt: t0 + 65_000, attempts: [{ outcome: "completed", endedAt: t0 + 65_000 }] });
    expect(t.steps[2]).toEqual({
      seq: 2,
      name: "go",
      kind: "signal",
      status: "waiting",
      signal: "go",
      startedAt: t0 + 65_000,
      endedAt: null,
      wakeAt: t0 + 65_000 + 3_600_000,
      attempts: [{ attempt: 1, startedAt: t0 + 65_000, endedAt: null, outcome: "running" }],
    });

    await advance(1_000);
    await client.signalRun(runId, "go", { ok: true });
    await settle(stub);
    t = await client.getTimeline(runId);
    expect(t).toMatchObject({ status: "completed", endedAt: t0 + 66_000, now: t0 + 66_000, stepCount: 3 });
    expect(t.steps[2]).toMatchObject({ status: "completed", endedAt: t0 + 66_000, attempts: [{ outcome: "completed", endedAt: t0 + 66_000 }] });

    // One step in full: the timeline entry plus its args and result.
    const detail = await client.getStep(runId, 0);
    expect(detail).toMatchObject({ seq: 0, kind: "action", status: "completed", args: { failures: 2, nonRetryable: false }, result: { attempt: 3, n: 3 } });
    expect(detail.attempts).toEqual(action!.attempts);
    expect(detail.error).toBeUndefined(); // the stale error of attempt 2 is not the step's
    expect(await client.getStep(runId, 2)).toMatchObject({ kind: "signal", signal: "go", result: { ok: true } });
    expect((await client.getStep(runId, 1)).args).toBeUndefined();
    expect((await refusal(client.getStep(runId, 3))).code).toBe("step.not_found");
    expect((await refusal(client.getStep(freshId("nobody"), 0))).code).toBe("run.not_found");
    expect((await refusal(client.getTimeline(freshId("nobody")))).code).toBe("run.not_found");
  });

  it("shows a step that failed for good: its last attempt failed with the error, the earlier one retrying", async () => {
    const t0 = future();
    const runId = freshId("failed");
    const { stub, advance } = await stoppedAt(runId, t0);
    await client.startRun("flaky", { failures: 10, maxAttempts: 2 }, { runId });
    await settle(stub);
    await advance(5_000);
    await fireAlarm(stub);
    const t = await client.getTimeline(runId);
    expect(t).toMatchObject({ status: "failed", endedAt: t0 + 5_000 });
    expect(t.steps[0]!.attempts.map((a) => [a.attempt, a.outcome, a.error?.message])).toEqual([
      [1, "retrying", "transient failure 1"],
      [2, "failed", "transient failure 2"],
    ]);
    expect(await client.getStep(runId, 0)).toMatchObject({ status: "failed", error: { code: "action.failed", message: "transient failure 2" } });
  });

  it("draws parallel steps over the same time, and a race's loser as abandoned", async () => {
    const { runId, stub } = await startRun("parallel", { n: 3 });
    await client.signalRun(runId, "wake", 1);
    await settle(stub);
    const t = await client.getTimeline(runId);
    expect(t.status).toBe("completed");
    const branches = t.steps.filter((s) => s.name === "slow");
    expect(branches).toHaveLength(3);
    // Each branch waited for all three to enter: every one started before any ended.
    const latestStart = Math.max(...branches.map((s) => s.startedAt));
    const earliestEnd = Math.min(...branches.map((s) => s.endedAt!));
    expect(latestStart).toBeLessThanOrEqual(earliestEnd);
    for (const b of branches) expect(b.attempts).toEqual([{ attempt: 1, startedAt: b.startedAt, endedAt: b.endedAt, outcome: "completed" }]);
    const race = t.steps.filter((s) => s.kind === "sleep" || s.kind === "signal");
    expect(race.map((s) => [s.kind, s.status])).toEqual([
      ["sleep", "abandoned"],
      ["signal", "completed"],
    ]);
    expect(race[0]!.attempts).toEqual([
      {
        attempt: 1,
        startedAt: race[0]!.startedAt,
        endedAt: race[0]!.endedAt,
        outcome: "abandoned",
        error: expect.objectContaining({ code: "step.abandoned" }),
      },
    ]);
  });

  it("pages through a long journal in windows that cover every step once", async () => {
    const { runId } = await startRun("many-steps", { n: 23 });
    const { steps, windows } = await allSteps(runId, 5);
    expect(windows.map((w) => w.steps.length)).toEqual([5, 5, 5, 5, 3]);
    expect(windows.map((w) => w.nextCursor)).toEqual([4, 9, 14, 19, null]);
    expect(steps.map((s) => s.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(windows.every((w) => w.stepCount === 23)).toBe(true);
    // A window that ends exactly at the last step says so; one past it is empty.
    expect(await client.getTimeline(runId, { after: 17, limit: 5 })).toMatchObject({ nextCursor: null, steps: expect.any(Array) });
    expect((await client.getTimeline(runId, { after: 22 })).steps).toEqual([]);
    expect((await client.getTimeline(runId, { limit: 2000 })).steps).toHaveLength(23);
    expect((await refusal(client.getTimeline(runId, { limit: 2001 }))).code).toBe("request.invalid");
    expect((await refusal(client.getTimeline(runId, { after: -2 }))).code).toBe("request.invalid");
  });

  it("shows a live run: no end, the running attempt open, the clock it answered at", async () => {
    const { runId, stub } = await startRun("hanging", { timeout: 3_600_000 }, 1);
    const t = await client.getTimeline(runId);
    expect(t).toMatchObject({ status: "running", endedAt: null, stepCount: 1, nextCursor: null });
    expect(t.now).toBeGreaterThanOrEqual(t.startedAt);
    expect(t.steps[0]).toMatchObject({ kind: "action", status: "running", endedAt: null, wakeAt: null });
    expect(t.steps[0]!.attempts).toEqual([{ attempt: 1, startedAt: t.steps[0]!.startedAt, endedAt: null, outcome: "running" }]);
    expect(await client.getStep(runId, 0)).toMatchObject({ status: "running", args: { key: "hang" } });
    await client.cancelRun(runId);
    await settle(stub);
  });
});
