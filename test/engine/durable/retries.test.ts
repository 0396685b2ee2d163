// Retries: exponential backoff with jitter as durable timers fired through the alarm, NonRetryableError,
// attempts exhausted, and per-step timeouts.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fireAlarm, fireUntil, logged, probe, type RunStub, settle, startRun, view } from "../../helpers/runtime.ts";

/** The run's step events, in order: type and the attempt each names (from the events table). */
function stepEvents(stub: RunStub): Promise<{ type: string; attempt: number; name: string; kind: string }[]> {
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ type: string; data: string }>("SELECT type, data FROM events WHERE type LIKE 'step.%' ORDER BY seq")
      .toArray()
      .map((e) => {
        const { attempt, name, kind } = JSON.parse(e.data) as { attempt: number; name: string; kind: string };
        return { type: e.type, attempt, name, kind };
      }),
  );
}

describe("retries", () => {
  it("retries a failing action with the policy's backoff until it succeeds", async () => {
    const { runId, stub, status } = await startRun("flaky", { failures: 2 });
    expect(status).toBe("sleeping");
    let v = await view(stub);
    const first = v.steps![0]!;
    expect(first).toMatchObject({ status: "retrying", attempts: 1, error: { code: "action.failed", message: "transient failure 1" } });
    // initialBackoffMs 1000, base 2, equal jitter: the first wait is 500..1000 ms, the second 1000..2000 ms.
    const wait1 = first.wakeAt! - first.startedAt;
    expect(wait1).toBeGreaterThanOrEqual(500);
    expect(wait1).toBeLessThanOrEqual(1000 + 50);
    expect(v.waitingFor).toEqual([expect.objectContaining({ kind: "retry", attempt: 2 })]);

    await fireAlarm(stub);
    v = await view(stub);
    const second = v.steps![0]!;
    expect(second).toMatchObject({ status: "retrying", attempts: 2, error: { message: "transient failure 2" } });
    expect(await probe().count(`${runId}/flaky`)).toBe(2);

    v = await fireUntil(stub, (v) => v.status === "completed");
    expect(v.result).toEqual({ attempt: 3, n: 3 });
    expect(v.steps![0]).toMatchObject({ status: "completed", attempts: 3 });
    expect(await probe().count(`${runId}/flaky`)).toBe(3);
  });

  it("survives an eviction during the backoff: the retry fires from storage, counted once", async () => {
    const { runId, stub, status } = await startRun("flaky", { failures: 1 });
    expect(status).toBe("sleeping");
    await evictDurableObject(stub);
    // The alarm wakes a fresh instance: the retry timer moves the step on, then the handler replays.
    const v = await fireUntil(stub, (v) => v.status === "completed");
    expect(v.result).toEqual({ attempt: 2, n: 2 });
    expect(v.steps![0]).toMatchObject({ status: "completed", attempts: 2 });
    expect(await probe().count(`${runId}/flaky`)).toBe(2);
  });

  // A status change writes its event from what the instance that journaled the step remembers of it,
  // and reads the row back only when this instance never saw the step (journaled before an eviction).
  for (const evicted of [false, true]) {
    it(`names each attempt in the step's events${evicted ? ", the step journaled by an evicted instance" : ""}`, async () => {
      const { stub } = await startRun("flaky", { failures: 1 });
      if (evicted) await evictDurableObject(stub);
      await fireUntil(stub, (v) => v.status === "completed");
      const events = await stepEvents(stub);
      expect(events.map(({ type, attempt }) => [type, attempt])).toEqual([
        ["step.started", 1],
        ["step.retrying", 1],
        ["step.started", 2],
        ["step.completed", 2],
      ]);
      expect(new Set(events.map((e) => `${e.kind} ${e.name}`)).size).toBe(1);
    });
  }

  it("fails the step, and the run, once maxAttempts is used up", async () => {
    const { runId, stub } = await startRun("flaky", { failures: 10, maxAttempts: 3 });
    const v = await fireUntil(stub, (v) => v.status === "failed");
    expect(v.error).toEqual({ code: "action.failed", message: "transient failure 3" });
    expect(v.steps![0]).toMatchObject({ status: "failed", attempts: 3 });
    expect(await probe().count(`${runId}/flaky`)).toBe(3);
  });

  it("does not retry a NonRetryableError", async () => {
    const { runId, stub, status } = await startRun("flaky", { failures: 0, nonRetryable: true });
    expect(status).toBe("failed");
    expect((await view(stub)).error).toEqual({ code: "test.permanent", message: "this will never work" });
    expect(await probe().count(`${runId}/flaky`)).toBe(1);
  });

  it("times out an attempt: the action's signal fires and the step fails with step.timeout", async () => {
    const { runId, stub, status } = await startRun("hanging", { timeout: 1_000 }, 1);
    expect(status).toBe("running");
    await expect.poll(() => probe().count(`${runId}/hang/started`)).toBe(1);
    // The step's timeout is a durable timer (earlier than the watchdog): firing the alarm is the time passing.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await settle(stub);
    const v = await view(stub);
    expect(v.status).toBe("failed");
    expect(v.error!.code).toBe("step.timeout");
    expect(v.steps![0]).toMatchObject({ status: "failed", attempts: 1 });
    await expect.poll(() => logged(`${runId}/hang/aborted`)).toEqual(["step.timeout"]);
  });
});
