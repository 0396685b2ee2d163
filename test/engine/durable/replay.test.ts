// Losing memory mid-run: after an eviction or an abort the run replays from the top, completed steps
// resolve from the journal without running again, and a changed handler fails with step.non_determinism.
import { abortAllDurableObjects, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { determinismSwitch } from "../../fixtures/workflows.ts";
import { client, fireUntil, probe, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

afterEach(() => {
  determinismSwitch.useB = false;
});

describe("replay after losing memory", () => {
  it.each([
    ["evictDurableObject", (stub: DurableObjectStub) => evictDurableObject(stub)],
    ["abortAllDurableObjects", () => abortAllDurableObjects()],
  ])("resumes after %s without re-running completed steps", async (_, loseMemory) => {
    const { runId, stub, status } = await startRun("counted", { steps: 5 });
    expect(status).toBe("sleeping");
    expect(Object.values(await probe().counts(`${runId}/`))).toEqual([1, 1, 1, 1, 1]);

    await loseMemory(stub);
    // A stub to an aborted object is broken; a fresh one reaches the new instance.
    const v = await fireUntil(runStub(runId), (v) => v.status === "completed");
    expect(v.result).toBe(10);
    // Ten distinct steps, each executed exactly once across both lives of the object.
    const counts = await probe().counts(`${runId}/`);
    expect(Object.keys(counts)).toHaveLength(10);
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    // The second life replayed the journal it found: five actions and the sleep.
    expect(v.stats.replayedSteps).toBe(6);
  });

  it("fails the run with step.non_determinism when the replayed handler calls a different step", async () => {
    const { runId, stub, status } = await startRun("shifty", {});
    expect(status).toBe("sleeping");
    await evictDurableObject(stub);
    determinismSwitch.useB = true; // a deploy changed the code under a sleeping run
    // Any call wakes the object, which replays at once and meets the changed step.
    await settle(stub);
    const v = await view(stub);
    expect(v.status).toBe("failed");
    expect(v.error!.code).toBe("step.non_determinism");
    expect(v.error!.message).toContain("step 1");
    expect(v.error!.message).toContain('run "a"');
    expect(v.error!.message).toContain('run "b"');
    // The completed first step was not run again by the replay that found the mismatch.
    expect(await probe().count(`${runId}/first`)).toBe(1);
  });

  it("tells the run index what a woken run did once its replay is over", async () => {
    // Long enough that the replay gives way before its end: the index update the signal asks for waits for it.
    const { runId, stub } = await startRun("chain", { steps: 2_000, waitAtEnd: true });
    await expect.poll(async () => (await view(stub, "none")).status, { timeout: 20_000 }).toBe("waiting");
    await expect.poll(async () => (await client.listRuns({ q: runId })).runs[0]?.status, { timeout: 5_000 }).toBe("waiting");
    await evictDurableObject(stub);
    await client.signalRun(runId, "go", true);
    await expect.poll(async () => (await client.listRuns({ q: runId })).runs[0]?.status, { timeout: 20_000 }).toBe("completed");
    const v = await view(runStub(runId), "none");
    expect(v.stats.replayedSteps).toBe(2_001);
    expect(v.result).toBe(2_000);
  });

  it("keeps a run that never lost its memory out of replay", async () => {
    const { stub } = await startRun("counted", { steps: 3 });
    const v = await fireUntil(stub, (v) => v.status === "completed");
    expect(v.stats.replayedSteps).toBe(0);
  });
});
