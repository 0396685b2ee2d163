// Pause and resume: a paused run starts no new step and its timers wait; a step already executing
// finishes; signals are accepted; on resume the timers that fell due fire in the order they fell due.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../helpers/clock.ts";
import { client, probe, refusal, type RunStub, settle, startRun, view } from "../../helpers/runtime.ts";

let keys = 0;
const freshKey = (label: string) => `pause-${label}-${++keys}-${Date.now()}`;

/** Stops the run object's clock where it reads now; returns a function that moves it on. */
async function stopClock(stub: RunStub): Promise<(ms: number) => Promise<void>> {
  await runInDurableObject(stub, (instance) => manualClock(instance).stop(Date.now()));
  return (ms) => runInDurableObject(stub, (instance) => manualClock(instance).advance(ms));
}

describe("pause and resume", () => {
  it("holds back timers that fall due while paused, and fires them in order on resume", async () => {
    const key = freshKey("timers");
    const { runId, stub } = await startRun("repair.two-sleeps", { key, aMs: 1_000, bMs: 2_000 });
    const advance = await stopClock(stub);
    expect(await client.pauseRun(runId)).toEqual({ runId, status: "paused", changed: true });
    await advance(5_000); // both sleeps fall due while paused
    await runDurableObjectAlarm(stub);
    await settle(stub);
    let v = await view(stub);
    expect(v.status).toBe("paused");
    expect(v.pausedAt).not.toBeNull();
    expect(v.steps!.map((s) => [s.name, s.status])).toEqual([
      ["a", "sleeping"],
      ["b", "sleeping"],
    ]);
    expect(await probe().counts(`${key}/`)).toEqual({});

    expect(await client.resumeRun(runId)).toMatchObject({ runId, changed: true });
    await settle(stub);
    v = await view(stub);
    expect(v.status).toBe("completed");
    const steps = Object.fromEntries(v.steps!.map((s) => [s.name, s]));
    // a fell due first, so it fired first and its follow-up took the earlier seq.
    expect(steps["after-a"]!.seq).toBeLessThan(steps["after-b"]!.seq);
    expect(await probe().counts(`${key}/`)).toEqual({ [`${key}/after-a`]: 1, [`${key}/after-b`]: 1 });
  });

  it("fires on resume only the timers that fell due: a wait's timeout, hours off, stays armed", async () => {
    const { runId, stub } = await startRun("waiter", { timeout: 60 * 60_000 });
    await settle(stub);
    const advance = await stopClock(stub);
    await client.pauseRun(runId);
    // The watchdog (2 s in the test config) fires while paused; the next timer is then the wait's timeout.
    await advance(5_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await client.resumeRun(runId)).toEqual({ runId, status: "waiting", changed: true });
    await settle(stub);
    let v = await view(stub);
    expect(v.status).toBe("waiting");
    expect(v.steps!.map((s) => [s.name, s.status])).toEqual([["go", "waiting"]]);
    // The timeout fires at its own time, an hour after the wait began.
    await advance(60 * 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await settle(stub);
    v = await view(stub);
    expect(v).toMatchObject({ status: "completed", result: [null] });
  });

  it("accepts signals while paused, and starts the next step only on resume", async () => {
    const key = freshKey("signals");
    const { runId, stub } = await startRun("repair.wait-then-mark", { key });
    await client.pauseRun(runId);
    const sent = await client.signalRun(runId, "go", "yes");
    expect(sent.duplicate).toBe(false);
    await settle(stub);
    expect((await view(stub)).status).toBe("paused");
    expect(await probe().count(`${key}/after`)).toBe(0);
    await client.resumeRun(runId);
    await settle(stub);
    const v = await view(stub);
    expect(v.status).toBe("completed");
    expect(v.result).toBe("yes");
    expect(await probe().count(`${key}/after`)).toBe(1);
  });

  it("does not end while paused: a handler that returns ends the run on the resume", async () => {
    const { runId, stub } = await startRun("waiter", { timeout: 60_000 });
    await client.pauseRun(runId);
    await client.signalRun(runId, "go", "last");
    await settle(stub);
    const v = await view(stub);
    expect(v.status).toBe("paused");
    expect(v.completedAt).toBeNull();
    await client.resumeRun(runId);
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: ["last"] });
  });

  it("lets a step already executing finish and journal, then holds the next", async () => {
    const key = freshKey("executing");
    const { runId, stub } = await startRun("repair.slow-then-mark", { key, ms: 150 }, 1);
    expect((await view(stub)).steps!.map((s) => s.status)).toEqual(["running"]);
    await client.pauseRun(runId);
    await settle(stub);
    const v = await view(stub);
    expect(v.status).toBe("paused");
    expect(v.steps!.map((s) => [s.name, s.status])).toEqual([["slow", "completed"]]);
    expect(await probe().count(`${key}/slow`)).toBe(1);
    expect(await probe().count(`${key}/after`)).toBe(0);
    await client.resumeRun(runId);
    await settle(stub);
    expect((await view(stub)).status).toBe("completed");
  });

  it("is idempotent, survives an eviction, and refuses an ended run", async () => {
    const key = freshKey("idempotent");
    const { runId, stub } = await startRun("repair.wait-then-mark", { key });
    await client.pauseRun(runId);
    expect(await client.pauseRun(runId)).toEqual({ runId, status: "paused", changed: false });
    await evictDurableObject(stub);
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    expect((await view(stub)).status).toBe("paused");
    expect(await probe().count(`${key}/after`)).toBe(0);
    await client.resumeRun(runId);
    expect(await client.resumeRun(runId)).toMatchObject({ changed: false });
    await settle(stub);
    expect((await view(stub)).status).toBe("completed");
    const ended = await refusal(client.pauseRun(runId));
    expect(ended.code).toBe("run.already_finished");
  });

  it("lets a paused run be canceled", async () => {
    const key = freshKey("cancel");
    const { runId, stub } = await startRun("repair.wait-then-mark", { key });
    await client.pauseRun(runId);
    await client.signalRun(runId, "go", 1);
    await client.cancelRun(runId);
    await settle(stub);
    expect((await view(stub)).status).toBe("canceled");
    expect(await probe().count(`${key}/after`)).toBe(0);
  });
});
