// Waiting, inside a run object's own isolate, until the run is quiet. No runtime modules: the kit uses it
// through runInDurableObject, and test Workers that run under `wrangler dev` call it from an RPC method.
import type { RunActivity } from "../engine/index.ts";

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

/** One turn of the event loop on a zero timer: slower (about 1 ms in workerd), and it lets the clock move. */
export function timerTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Waits until `read()` says the run is quiet for three turns in a row: at most `executing` steps run user
 * code, the handler is parked on a step (a run "running" with nothing executing is between steps, or
 * awaiting something of its own), and no end is being finished. Resolves with the last activity
 * (undefined: no run in the object), or throws after MAX_BUSY_MS. `turn` is how one turn is waited.
 */
export async function untilQuiet(
  read: () => RunActivity | undefined,
  opts: { executing?: number; turn?: () => Promise<void> } = {},
): Promise<RunActivity | undefined> {
  const { executing = 0, turn: next = turn } = opts;
  const deadline = Date.now() + MAX_BUSY_MS;
  let quietTurns = 0;
  for (let n = 1; ; n++) {
    await (n % TIMER_EVERY === 0 ? timerTurn() : next());
    const last = read();
    if (last === undefined) return undefined;
    const busy = last.executing > executing || last.finishing || last.yielding || (last.status === "running" && last.executing === 0);
    quietTurns = busy ? 0 : quietTurns + 1;
    if (quietTurns >= 3) return last;
    if (n % TIMER_EVERY === 0 && Date.now() > deadline) {
      throw new Error(
        `the run kept executing for ${MAX_BUSY_MS / 1000} s (${last.executing} step(s) running user code): a step that never ends? Mock it, or give it a timeout`,
      );
    }
  }
}
