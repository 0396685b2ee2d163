// replayHistory inside workerd on histories real runs exported: each replays on the code that made it,
// a version-1 history fails on version 2 naming the seq and both steps, and a replay executes nothing.
import { describe, expect, it } from "vitest";
import { replayHistory, type RunHistory } from "../../src/engine/index.ts";
import { client, fireUntil, logged, probe, runStub, settle, startRun } from "../helpers/runtime.ts";
import { stepwise } from "../worker.ts";

let keys = 0;
const freshKey = (label: string) => `replay-${label}-${++keys}-${Date.now()}`;

/** A run of `replay.changed` on `version`, left waiting for "go", or finished with "go" = `go`. */
async function changedRun(version: number, go?: string): Promise<{ runId: string; key: string }> {
  const key = freshKey(`v${version}`);
  const { runId } = await client.startRun("replay.changed", { key }, { version });
  await settle(runStub(runId));
  if (go !== undefined) {
    await client.signalRun(runId, "go", go);
    await settle(runStub(runId));
  }
  return { runId, key };
}

/** The history as a user saves it: through GET /api/runs/:runId/history's client, then a JSON file. */
async function saved(runId: string): Promise<RunHistory> {
  // SAFETY: JSON text of a RunHistory parses back to one (replayHistory parses it again anyway).
  return JSON.parse(JSON.stringify(await client.getHistory(runId))) as RunHistory;
}

describe("replayHistory on exported histories", () => {
  it("replays finished runs of every step kind, parallel steps, races and refused signals on the code that made them", async () => {
    const every = await startRun("every-kind", { who: "Ada" });
    await fireUntil(every.stub, (v) => v.status === "waiting");
    await client.signalRun(every.runId, "go", { ok: 1 });
    await fireUntil(every.stub, (v) => v.status === "completed");

    const parallel = await startRun("parallel", { n: 3 });
    await client.signalRun(parallel.runId, "wake", "now");
    await settle(parallel.stub);

    const typed = await startRun("typed-wait", { sleepFirst: 60_000 });
    for (const payload of [{ approved: "maybe" }, { approved: true, by: "carol" }]) await client.signalRun(typed.runId, "decision", payload);
    await fireUntil(typed.stub, (v) => v.status === "completed");

    for (const runId of [every.runId, `${every.runId}.6`, parallel.runId, typed.runId]) {
      const history = await saved(runId);
      expect(history.status).toBe("completed");
      const report = await replayHistory(stepwise.registry, history);
      expect(report, runId).toEqual({
        ok: true,
        runId,
        workflow: history.workflow,
        version: 1,
        replayedSteps: history.steps.length,
        ended: "returned",
        result: history.result,
      });
    }
    // Nothing ran again: the action of every-kind ran once, in the run.
    expect(await probe().count(`${every.runId}/action`)).toBe(1);
  });

  it("replays a live run's history up to the wait it is parked on", async () => {
    const { runId } = await changedRun(1);
    const history = await saved(runId);
    expect(history.status).toBe("waiting");
    expect(await replayHistory(stepwise.registry, history)).toEqual({
      ok: true,
      runId,
      workflow: "replay.changed",
      version: 1,
      replayedSteps: 2,
      ended: "parked",
    });
  });

  it("fails a version-1 history on version 2, naming the seq and both steps, finished or live", async () => {
    for (const go of ["yes", undefined]) {
      const { runId } = await changedRun(1, go);
      const report = await replayHistory(stepwise.registry, await saved(runId), { version: 2 });
      expect(report).toEqual({
        ok: false,
        runId,
        workflow: "replay.changed",
        version: 2,
        seq: 1,
        expected: { kind: "signal", name: "go" },
        actual: { kind: "action", name: "validate" },
        code: "step.non_determinism",
        message: 'non-determinism at step 1: the journal has signal "go", the handler now calls action "validate"',
      });
    }
  });

  it("fails a version-2 history on version 1 the other way round, and passes it on version 2", async () => {
    const { runId } = await changedRun(2, "yes");
    const history = await saved(runId);
    expect(history.version).toBe(2);
    expect(await replayHistory(stepwise.registry, history)).toMatchObject({ ok: true, version: 2, replayedSteps: 4, ended: "returned" });
    expect(await replayHistory(stepwise.registry, history, { version: 1 })).toMatchObject({
      ok: false,
      seq: 1,
      expected: { kind: "action", name: "validate" },
      actual: { kind: "signal", name: "go" },
    });
  });

  it("executes nothing: no action runs, on the same code or on changed code", async () => {
    const { runId, key } = await changedRun(1, "yes");
    expect(await logged(`${key}/executed`)).toEqual(["fetch", "save"]);
    const history = await saved(runId);
    await replayHistory(stepwise.registry, history);
    await replayHistory(stepwise.registry, history, { version: 2 });
    // Had a replay executed, "validate" (v2's new step) or a second "fetch" would be logged.
    expect(await logged(`${key}/executed`)).toEqual(["fetch", "save"]);
  });
});
