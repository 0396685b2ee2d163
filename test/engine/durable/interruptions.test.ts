// Attempts cut off with their object, and the watchdog that brings a run back: an interrupted step
// runs again within its attempts (at least three in all), then fails with step.interrupted; a run that
// only waited (hourly watchdog) gets the short watchdog back as soon as a step executes.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MIN_ATTEMPTS_AFTER_INTERRUPTION } from "../../../src/engine/core/retry.ts";
import { client, probe, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

const WATCHDOG_MS = Number(env.STEPWISE_WATCHDOG_MS);

async function alarmOf(runId: string): Promise<number | null> {
  return runInDurableObject(runStub(runId), (_instance, state) => state.storage.getAlarm());
}

describe("an attempt cut off with its object", () => {
  it("runs again as a new attempt, until the step has had its attempts; then the step fails with step.interrupted", async () => {
    const { runId, status } = await startRun("hanging", {}, 1);
    expect(status).toBe("running");
    for (let attempt = 1; attempt <= MIN_ATTEMPTS_AFTER_INTERRUPTION; attempt++) {
      expect(await probe().count(`${runId}/hang/started`)).toBe(attempt);
      await evictDurableObject(runStub(runId));
      await settle(runStub(runId), 1); // any call wakes the object, which replays
    }
    const v = await view(runStub(runId));
    expect(v.status).toBe("failed");
    expect(v.error).toMatchObject({ code: "step.interrupted" });
    expect(v.steps![0]).toMatchObject({ kind: "action", status: "failed", attempts: MIN_ATTEMPTS_AFTER_INTERRUPTION });
    expect(await probe().count(`${runId}/hang/started`)).toBe(MIN_ATTEMPTS_AFTER_INTERRUPTION);
  });
});

describe("the watchdog", () => {
  it("moves from hourly back to STEPWISE_WATCHDOG_MS once a run that only waited starts executing a step", async () => {
    const { runId, stub, status } = await startRun("wait-then-hang", {});
    expect(status).toBe("waiting");
    // The start's watchdog fires; with nothing executing and no timer, the run checks on itself hourly.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await alarmOf(runId))! - Date.now()).toBeGreaterThan(50 * 60_000);

    await client.signalRun(runId, "go");
    await settle(stub, 1);
    expect(await probe().count(`${runId}/hang/started`)).toBe(1);
    // The action in flight is watched at the short interval, not an hour from now.
    expect((await alarmOf(runId))! - Date.now()).toBeLessThanOrEqual(WATCHDOG_MS);
    await client.cancelRun(runId);
  });
});
