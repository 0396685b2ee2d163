// Waiting until a run is quiet: nothing of it runs user code, and every open step waits on a timer, a
// signal or a child; or it ended. Read inside the run's own object, where its activity is visible.
import { runInDurableObject } from "cloudflare:test";
import { runInternals, type RunActivity, type RunInternals } from "../engine/index.ts";

/** A run object as the kit reaches it: through its namespace's stub, into its instance. */
export type RunObjectStub = DurableObjectStub;

/** How long a run may keep executing before the kit gives up on it (a step that never ends). */
const MAX_BUSY_MS = 30_000;
/** Quick turns between two timer turns: a timer turn lets the clock, which workerd moves only on I/O, move. */
const TIMER_EVERY = 256;

/**
 * One turn of the event loop, as short as the runtime allows: a message through a MessageChannel is a
 * macrotask, so pending I/O callbacks and timers get their chance, without the millisecond a zero
 * setTimeout costs in workerd.
 */
export function turn(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Waits until `read()` says the run is quiet for three turns in a row: at most `executing` steps run user
 * code, the handler is not between steps, and no end is being finished. Resolves with the last activity
 * (undefined: no run in the object), or throws after MAX_BUSY_MS.
 */
export async function untilQuiet(read: () => RunActivity | undefined, executing = 0): Promise<RunActivity | undefined> {
  const deadline = Date.now() + MAX_BUSY_MS;
  let quietTurns = 0;
  for (let n = 1; ; n++) {
    await (n % TIMER_EVERY === 0 ? new Promise((resolve) => setTimeout(resolve, 0)) : turn());
    const last = read();
    if (last === undefined) return undefined;
    quietTurns = last.executing > executing || last.finishing || last.yielding ? 0 : quietTurns + 1;
    if (quietTurns >= 3) return last;
    if (n % TIMER_EVERY === 0 && Date.now() > deadline) {
      throw new Error(
        `the run kept executing for ${MAX_BUSY_MS / 1000} s (${last.executing} step(s) running user code): a step that never ends? Mock it, or give it a timeout`,
      );
    }
  }
}

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
