// Restarts: a new run linked to the old one keeps the steps before the restart point (they never execute
// again) and executes from there with current code. The probe counts executions per step across both runs.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { RunView } from "../../../src/engine/index.ts";
import { client, fireAlarm, logged, probe, refusal, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

let keys = 0;
const freshKey = (label: string) => `restart-${label}-${++keys}-${Date.now()}`;

/** Drives a repair.kinds run to its end: fires the nap, sends "go", lets the child finish. */
async function driveKinds(runId: string): Promise<RunView> {
  const stub = runStub(runId);
  for (let i = 0; i < 20; i++) {
    await settle(stub);
    const v = await view(stub);
    if (v.completedAt !== null) return v;
    const waiting = v.waitingFor[0];
    if (waiting?.kind === "sleep") await fireAlarm(stub);
    else if (waiting?.kind === "signal") await client.signalRun(runId, "go", `go-${runId}`);
    else if (waiting?.kind === "workflow") await settle(runStub(waiting.childRunId));
  }
  throw new Error(`run ${runId} did not end`);
}

async function counts(key: string): Promise<Record<string, number>> {
  const all = await probe().counts(`${key}/`);
  return Object.fromEntries(Object.entries(all).map(([k, n]) => [k.slice(key.length + 1), n]));
}

/** A repair.kinds run that failed at its gate (step 7), every step before it executed once. */
async function failedKinds(label: string) {
  const key = freshKey(label);
  const { runId } = await client.startRun("repair.kinds", { key });
  const failed = await driveKinds(runId);
  expect(failed.status).toBe("failed");
  expect(failed.steps!.map((s) => s.name)).toEqual(["action", "mutation", "nap", "go", "child", "left", "right", "gate"]);
  return { key, runId, failed };
}

const STEPS = ["action", "mutation", "nap", "go", "child", "left", "right", "gate"];
/** The probe keys the steps count under (sleeps and waits count nothing; the child counts in its own run). */
const COUNTED: Record<string, string> = { action: "action", mutation: "mutation", child: "child", left: "left", right: "right", gate: "gate" };

afterEach(() => {
  env.STEPWISE_FAULTS = undefined;
});

describe("restart", () => {
  it("without fromStep retries a failed run from its failed step: nothing before it runs again", async () => {
    const { key, runId } = await failedKinds("retry");
    await probe().hit(`${key}/fixed`);
    const restarted = await client.restartRun(runId);
    expect(restarted).toMatchObject({ runId: `${runId}:r2`, restartOf: runId, fromStep: 7, version: 1 });
    const done = await driveKinds(restarted.runId);
    expect(done.status).toBe("completed");
    expect(done.result).toMatchObject({ go: `go-${runId}`, branches: [`left@${runId}`, `right@${runId}`] });
    expect(await counts(key)).toEqual({ action: 1, mutation: 1, child: 1, left: 1, right: 1, gate: 2, fixed: 1 });
  });

  // From each kind of step: the steps before it keep their results, it and every later step execute again.
  it.each(STEPS.slice(0, 7).map((name, seq) => [name, seq] as const))("restarts from the %s step (seq %i)", async (name, seq) => {
    const { key, runId } = await failedKinds(`from-${name}`);
    await probe().hit(`${key}/fixed`);
    const restarted = await client.restartRun(runId, { fromStep: name });
    expect(restarted.fromStep).toBe(seq);
    const done = await driveKinds(restarted.runId);
    expect(done.status).toBe("completed");
    const expected: Record<string, number> = { fixed: 1 };
    STEPS.forEach((step, i) => {
      const counted = COUNTED[step];
      if (counted !== undefined) expected[counted] = i >= seq ? 2 : 1;
    });
    expect(await counts(key)).toEqual(expected);
    // The kept steps are the old run's rows; the rest are new, with their results from the new run.
    const branches = done.result as { branches: string[]; go: string };
    expect(branches.branches[0]).toBe(`left@${seq <= 5 ? restarted.runId : runId}`);
    expect(branches.branches[1]).toBe(`right@${seq <= 6 ? restarted.runId : runId}`);
    expect(branches.go).toBe(`go-${seq <= 3 ? restarted.runId : runId}`);
    expect(done.steps!.slice(0, seq).map((s) => s.startedAt)).toEqual((await view(runStub(runId))).steps!.slice(0, seq).map((s) => s.startedAt));
  });

  it("links both runs, keeps the old one readable, and tells onComplete and the events about each", async () => {
    const { key, runId, failed } = await failedKinds("links");
    await probe().hit(`${key}/fixed`);
    const { runId: newId } = await client.restartRun(runId, { fromStep: 7 });
    await driveKinds(newId);
    const old = await view(runStub(runId));
    expect(old).toMatchObject({ status: "failed", restartedAs: newId, error: failed.error });
    expect(old.steps).toEqual(failed.steps);
    const restarted = await view(runStub(newId));
    expect(restarted).toMatchObject({ status: "completed", restartOf: runId, restartFromStep: 7 });
    expect(await logged(`${key}/outcomes`)).toEqual([
      { runId, status: "failed" },
      { runId: newId, status: "completed" },
    ]);
    const oldEvents = await eventTypes(runId);
    expect(oldEvents.at(-1)).toBe("run.restarted");
    const newEvents = await eventTypes(newId);
    expect(newEvents.slice(0, 2)).toEqual(["run.restarted", "run.started"]);
    expect(newEvents.filter((t) => t === "step.started").length).toBe(1); // only the gate executed here
  });

  it("restarts a completed run, and a restarted one again from its own id", async () => {
    const { key, runId } = await failedKinds("twice");
    await probe().hit(`${key}/fixed`);
    const first = await client.restartRun(runId);
    await driveKinds(first.runId);
    const second = await client.restartRun(first.runId, { fromStep: "right" });
    expect(second.runId).toBe(`${runId}:r3`);
    expect((await driveKinds(second.runId)).status).toBe("completed");
    expect(await counts(key)).toMatchObject({ action: 1, left: 1, right: 2, gate: 3 });
    const again = await refusal(client.restartRun(runId));
    expect(again).toMatchObject({ code: "run.already_restarted", details: { restartedAs: first.runId } });
  });

  it("keeps a restart it could not hand over, and hands it over on its next wake-up", async () => {
    const { key, runId } = await failedKinds("handoff");
    await probe().hit(`${key}/fixed`);
    env.STEPWISE_FAULTS = "fail=1,only=run.restart";
    const owedRestart = await client.restartRun(runId);
    expect(owedRestart).toMatchObject({ runId: `${runId}:r2`, restartOf: runId, status: "pending" });
    // Owed, not lost: the old run names its successor, a second restart is refused, the watchdog is armed.
    const old = runStub(runId);
    const owed = await runInDurableObject(old, (_instance, state) => state.storage.sql.exec("SELECT restart_pending FROM run").one());
    expect(JSON.parse(String(owed.restart_pending))).toEqual({ runId: `${runId}:r2`, fromStep: 7, version: 1 });
    expect((await refusal(client.restartRun(runId))).code).toBe("run.already_restarted");
    expect((await refusal(client.getRun(`${runId}:r2`))).code).toBe("run.not_found");
    const watchdog = await runInDurableObject(old, (_instance, state) => state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'watchdog'").toArray());
    expect(watchdog).toEqual([{ kind: "watchdog" }]);

    env.STEPWISE_FAULTS = undefined;
    expect(await fireAlarm(old)).toBe(true);
    expect((await view(old)).restartedAs).toBe(`${runId}:r2`);
    expect((await driveKinds(`${runId}:r2`)).status).toBe("completed");
    expect(await counts(key)).toMatchObject({ action: 1, gate: 2 });
  });

  it("refuses a live run, an unknown step and a step after one that did not complete, changing nothing", async () => {
    const key = freshKey("refused");
    const { runId, stub } = await startRun("repair.kinds", { key });
    const live = await refusal(client.restartRun(runId));
    expect(live.code).toBe("run.not_finished");
    await client.cancelRun(runId); // canceled during the nap: steps 0-1 completed, 2 canceled
    const before = await view(stub);
    const unknown = await refusal(client.restartRun(runId, { fromStep: 99 }));
    expect(unknown).toMatchObject({ code: "restart.unknown_step", details: { issues: [{ path: ["fromStep"] }] } });
    const byName = await refusal(client.restartRun(runId, { fromStep: "nope" }));
    expect(byName.code).toBe("restart.unknown_step");
    const version = await refusal(client.restartRun(runId, { version: 9 }));
    expect(version.code).toBe("workflow.version_not_found");
    expect(await view(stub)).toEqual(before);
    expect((await refusal(client.getRun(`${runId}:r2`))).code).toBe("run.not_found");
    // A canceled run restarts from its first step that did not complete.
    const restarted = await client.restartRun(runId);
    expect(restarted.fromStep).toBe(2);
  });

  it("refuses a fromStep after a step that did not complete", async () => {
    const key = freshKey("unsettled");
    // Two sleeps at once (seq 0 and 1), both canceled with the run: step 0 has no result to keep.
    const { runId } = await startRun("repair.two-sleeps", { key, aMs: 60_000, bMs: 120_000 });
    await client.cancelRun(runId);
    const after = await refusal(client.restartRun(runId, { fromStep: 1 }));
    expect(after).toMatchObject({ code: "restart.invalid_step", details: { issues: [{ path: ["fromStep"] }] } });
  });

  it("fails with step.non_determinism when the replay meets other steps than the journal", async () => {
    const key = freshKey("nondet");
    const { runId, stub } = await startRun("repair.evolving", { key });
    expect((await view(stub)).status).toBe("failed");
    await probe().hit(`${key}/v2`); // the code now names its first step differently
    await probe().hit(`${key}/fixed`);
    const { runId: newId } = await client.restartRun(runId, { fromStep: "gate" });
    const restarted = runStub(newId);
    await settle(restarted);
    const v = await view(restarted);
    expect(v.status).toBe("failed");
    expect(v.error?.code).toBe("step.non_determinism");
    expect(await counts(key)).toMatchObject({ first: 1, gate: 1 });
    // From the top, nothing is kept, so the new code runs.
    const fresh = await client.restartRun(newId, { fromStep: 0 });
    await settle(runStub(fresh.runId));
    expect((await view(runStub(fresh.runId))).status).toBe("completed");
  });
});

async function eventTypes(runId: string): Promise<string[]> {
  const res = await runStub(runId).fetch(new Request("https://run.internal/events", { headers: { accept: "text/event-stream" } }));
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  // The stream of an ended run closes after its backlog.
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]!);
}
