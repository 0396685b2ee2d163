// Signals: delivered to a waiting step, buffered when early, consumed once each in FIFO order per
// name, `null` on timeout, refused once the run has ended.
import { describe, expect, it } from "vitest";
import { StepwiseError } from "../../src/engine/index.ts";
import { client, fireUntil, settle, startRun, view } from "../helpers/runtime.ts";

describe("signals", () => {
  it("delivers a signal sent while the step waits", async () => {
    const { runId, stub, status } = await startRun("waiter", {});
    expect(status).toBe("waiting");
    await client.signalRun(runId, "go", { n: 1 });
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: [{ n: 1 }] });
  });

  it("buffers signals that arrive before the wait and hands them out once each, first in first out", async () => {
    const { runId } = await client.startRun("waiter", { count: 3, timeout: 60_000 });
    // Two arrive before any wait can consume them (the run has not reached its wait yet or is just there).
    await client.signalRun(runId, "go", "first");
    await client.signalRun(runId, "go", "second");
    await client.signalRun(runId, "other", "ignored");
    const stub = (await import("../helpers/runtime.ts")).runStub(runId);
    await settle(stub);
    let v = await view(stub);
    expect(v.status).toBe("waiting");
    await client.signalRun(runId, "go", "third");
    await settle(stub);
    v = await view(stub);
    expect(v).toMatchObject({ status: "completed", result: ["first", "second", "third"] });
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
