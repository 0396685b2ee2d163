// Helpers for in-runtime tests: start runs through the real client, wait until a run has nothing
// executing, and fire alarms the way the runtime would (no real sleeps).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createClient, StepwiseError, type RunView } from "../../src/engine/index.ts";
import { unwrap } from "../../src/kernel/result.ts";
import { stepwise, type WorkflowRun } from "../worker.ts";

export const client = createClient(env, stepwise.registry);

export type RunStub = DurableObjectStub<WorkflowRun>;

export function runStub(runId: string): RunStub {
  // SAFETY: the test Worker binds WORKFLOW_RUNS to test/worker.ts's WorkflowRun (the app's class plus `settled`).
  return env.WORKFLOW_RUNS.getByName(runId) as unknown as RunStub;
}

/** Starts a run and returns once it has nothing executing. */
export async function startRun(workflow: string, args: unknown, executing = 0): Promise<{ runId: string; stub: RunStub; status: string }> {
  const { runId } = await client.startRun(workflow, args);
  const stub = runStub(runId);
  const status = await settle(stub, executing);
  return { runId, stub, status };
}

/** Waits until at most `executing` steps run user code and the rest of the run is parked. */
export async function settle(stub: RunStub, executing = 0): Promise<string> {
  return unwrap(await stub.settled(executing));
}

export async function view(stub: RunStub, steps: "all" | "none" = "all"): Promise<RunView> {
  return unwrap(await stub.describe({ steps }));
}

/** Fires the run's alarm now (as if its time had come) and waits for the run to settle. */
export async function fireAlarm(stub: RunStub): Promise<boolean> {
  const ran = await runDurableObjectAlarm(stub);
  await settle(stub);
  return ran;
}

/** Fires alarms until `done` holds of the run's view; fails after `max` alarms. */
export async function fireUntil(stub: RunStub, done: (v: RunView) => boolean, max = 20): Promise<RunView> {
  for (let i = 0; i < max; i++) {
    const v = await view(stub);
    if (done(v)) return v;
    if (!(await fireAlarm(stub))) throw new Error(`no alarm armed while waiting; run is ${v.status}`);
  }
  throw new Error(`condition not reached after ${max} alarms`);
}

/** The StepwiseError `call` is refused with; fails the test when it succeeds. */
export async function refusal(call: Promise<unknown>): Promise<StepwiseError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof StepwiseError) return err;
    throw err;
  }
  throw new Error("expected a refusal, but the call succeeded");
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The run's durable timers, in the order they fall due (after its pending writes). */
export async function timersOf(stub: RunStub): Promise<{ kind: string; at: number }[]> {
  await settle(stub);
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ kind: string; at: number }>("SELECT kind, at FROM timers ORDER BY at, id")
      .toArray()
      .map((t) => ({ kind: t.kind, at: t.at })),
  );
}

export function probe() {
  return env.PROBE.getByName("probe");
}

/** The values a test workflow logged to the probe under `key`. */
export async function logged(key: string): Promise<unknown[]> {
  return (await probe().entries(key)).map((json) => JSON.parse(json));
}
