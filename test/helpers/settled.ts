// What the test Workers' run objects add: `settled()`, which waits until a run is quiet, as the testing
// kit does (src/testing/until-quiet.ts).
import { runActivity, type RunActivity } from "../../src/engine/index.ts";
import type { RpcResult } from "../../src/kernel/index.ts";
import { timerTurn, untilQuiet } from "../../src/testing/until-quiet.ts";

/**
 * Resolves once the run is quiet: at most `executing` steps run user code (0 by default), every other
 * open step waits on a timer, a signal or a child, and no end is being finished; or the run ended.
 */
export async function runSettled(run: { [runActivity](): RunActivity | undefined }, executing = 0): Promise<RpcResult<string>> {
  try {
    // Timer turns, not the kit's quick ones: these tests count on the ~1 ms each gives, for a child run or
    // an index push to land while the run itself is quiet.
    const activity = await untilQuiet(() => run[runActivity](), { executing, turn: timerTurn });
    if (activity === undefined) return { ok: false, error: { code: "run.not_found", message: "no such run" } };
    return { ok: true, value: activity.status };
  } catch (err) {
    return { ok: false, error: { code: "test.not_settled", message: err instanceof Error ? err.message : String(err) } };
  }
}
