// Signals: delivered to a waiting step, buffered when early, consumed once each in FIFO order per
// name, `null` on timeout, refused once the run has ended.
import { describe, expect, it } from "vitest";
import { StepwiseError } from "../../../src/engine/index.ts";
import { client, fireUntil, settle, startRun, view } from "../../helpers/runtime.ts";

describe("signals", () => {
  it("delivers a signal sent while the step waits", async () => {
    const { runId, stub, status } = await startRun("waiter", {});
    expect(status).toBe("waiting");
    await client.signalRun(runId, "go", { n: 1 });
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: [{ n: 1 }] });
  });

  it("buffers signals that arrive before the wait and hands them out once each, first in first out", async () => {
    const { runId, stub, status } = await startRun("sleep-then-collect", { count: 3 });
    expect(status).toBe("sleeping");
    // All three arrive while the run sleeps: no wait exists yet, so they are buffered.
    for (const payload of ["first", "second"]) await client.signalRun(runId, "go", payload);
    await client.signalRun(runId, "other", "ignored");
    expect((await view(stub)).steps!.filter((s) => s.kind === "signal")).toEqual([]);
    // The sleep ends; the first two waits take the buffered signals in order; the third waits.
    const v = await fireUntil(stub, (r) => r.status === "waiting");
    expect(v.steps!.filter((s) => s.kind === "signal").map((s) => [s.status, s.result ?? null])).toEqual([
      ["completed", "first"],
      ["completed", "second"],
      ["waiting", null],
    ]);
    await client.signalRun(runId, "go", "third");
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: ["first", "second", "third"] });
  });

  it("resolves with null when the timeout passes first", async () => {
    const { stub } = await startRun("waiter", { timeout: 30_000 });
    const waiting = await view(stub);
    expect(waiting.waitingFor[0]).toMatchObject({ kind: "signal", signal: "go", timeoutAt: expect.any(Number) });
    // The watchdog armed at start may fire first; the timeout's alarm follows.
    expect(await fireUntil(stub, (v) => v.status !== "waiting")).toMatchObject({ status: "completed", result: [null] });
  });

  it("an omitted payload arrives as true, so null always means a timeout", async () => {
    const { runId, stub } = await startRun("waiter", { timeout: 30_000 });
    await client.signalRun(runId, "go");
    await settle(stub);
    expect((await view(stub)).result).toEqual([true]);
  });

  it("refuses a signal for a run that has ended", async () => {
    const { runId, stub } = await startRun("waiter", {});
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    const err = await client.signalRun(runId, "go", 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepwiseError);
    expect((err as StepwiseError).code).toBe("signal.run_finished");
  });
});
