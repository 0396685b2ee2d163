// Waiting until a run is quiet: nothing of it runs user code, and every open step waits on a timer, a
// signal or a child; or it ended. Read inside the run's own object, where its activity is visible.
import { runInDurableObject } from "cloudflare:test";
import { runInternals, type RunInternals } from "../engine/index.ts";
import { untilQuiet } from "./until-quiet.ts";

/** A run object as the kit reaches it: through its namespace's stub, into its instance. */
export type RunObjectStub = DurableObjectStub;

/** Runs `fn` on the run object's in-isolate reads. */
export function withInternals<T>(stub: RunObjectStub, fn: (internals: RunInternals) => T | Promise<T>): Promise<T> {
  return runInDurableObject(stub, (instance: unknown) => {
    // SAFETY: the kit is only given stubs of the deployment's WORKFLOW_RUNS namespace, whose class createRunObject made.
    const internals = (instance as { [runInternals](): RunInternals })[runInternals]();
    return fn(internals);
  });
}

/** A quiet run: its status, how far its events go, and the children it waits for. */
export interface QuietRun {
  status: string;
  lastEvent: number;
  children: string[];
}

/**
 * Resolves once the run is quiet for three turns in a row (so a step that yields between writes is seen),
 * or with undefined when no run was started in the object. Throws when it never goes quiet.
 */
export function quiet(stub: RunObjectStub): Promise<QuietRun | undefined> {
  return withInternals(stub, async (internals) => {
    const last = await untilQuiet(() => internals.activity());
    if (last === undefined) return undefined;
    return { status: last.status, lastEvent: internals.lastEventSeq(), children: internals.openChildren() };
  });
}
