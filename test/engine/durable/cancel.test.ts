// Cancel: timers and waits stop, the in-flight action's AbortSignal fires, child runs are canceled.
import { describe, expect, it } from "vitest";
import type { StepwiseError } from "../../../src/engine/index.ts";
import { client, DAY_MS, logged, probe, runStub, settle, startRun, timersOf, view } from "../../helpers/runtime.ts";

describe("cancel", () => {
  it("cancels a sleeping run: its timers are gone, the one alarm left is its retention's", async () => {
    const { runId, stub, status } = await startRun("sleeper", { ms: 3_600_000 });
    expect(status).toBe("sleeping");
    await client.cancelRun(runId);
    const v = await view(stub);
    expect(v.status).toBe("canceled");
    expect(v.steps!.map((s) => s.status)).toEqual(["completed", "canceled"]);
    expect(await timersOf(stub)).toEqual([{ kind: "retention", at: v.expiresAt }]);
    expect(v.expiresAt).toBe(v.completedAt! + 30 * DAY_MS);
    expect(await probe().count(`${runId}/after`)).toBe(0);
  });

  it("cancels a run waiting for a signal; later signals and cancels are refused", async () => {
    const { runId, stub } = await startRun("waiter", { timeout: 60_000 });
    await client.cancelRun(runId);
    expect((await view(stub)).status).toBe("canceled");
    const signal = await client.signalRun(runId, "go", 1).catch((e: unknown) => e);
    expect((signal as StepwiseError).code).toBe("signal.run_finished");
    const again = await client.cancelRun(runId).catch((e: unknown) => e);
    expect((again as StepwiseError).code).toBe("run.already_finished");
    expect((await timersOf(stub)).map((t) => t.kind)).toEqual(["retention"]);
  });

  it("aborts the in-flight action's signal", async () => {
    const { runId, stub, status } = await startRun("hanging", {}, 1);
    expect(status).toBe("running");
    await expect.poll(() => probe().count(`${runId}/hang/started`)).toBe(1);
    await client.cancelRun(runId);
    await settle(stub);
    const v = await view(stub);
    expect(v.status).toBe("canceled");
    expect(v.steps![0]).toMatchObject({ kind: "action", status: "canceled" });
    // The action itself saw its AbortSignal fire, with the cancel as the reason.
    await expect.poll(() => logged(`${runId}/hang/aborted`)).toEqual(["run.canceled"]);
  });

  it("cancels child runs", async () => {
    const { runId, stub, status } = await startRun("parent", { childMs: 3_600_000 });
    expect(status).toBe("waiting");
    const childStub = runStub(`${runId}.0`);
    await settle(childStub);
    expect((await view(childStub)).status).toBe("sleeping");
    await client.cancelRun(runId);
    expect((await view(stub)).status).toBe("canceled");
    expect((await view(childStub)).status).toBe("canceled");
  });
});
