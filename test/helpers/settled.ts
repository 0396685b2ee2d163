// What the test Workers' run objects add: `settled()`, which waits until a run is quiet.
import { runActivity, type RunActivity } from "../../src/engine/index.ts";
import type { RpcResult } from "../../src/kernel/index.ts";

/**
 * Resolves once the run is quiet: at most `executing` steps run user code (0 by default), every other
 * open step waits on a timer, a signal or a child, and no end is being finished; or the run ended.
 * Quiet for three turns of the event loop in a row, so a step that yields between writes is seen.
 */
export async function runSettled(run: { [runActivity](): RunActivity | undefined }, executing = 0): Promise<RpcResult<string>> {
  let quietTurns = 0;
  for (let turn = 0; turn < 2_000 && quietTurns < 3; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const activity = run[runActivity]();
    if (activity === undefined) return { ok: false, error: { code: "run.not_found", message: "no such run" } };
    quietTurns = activity.executing > executing || activity.finishing ? 0 : quietTurns + 1;
  }
  const activity = run[runActivity]();
  if (quietTurns < 3 || activity === undefined) return { ok: false, error: { code: "test.not_settled", message: "the run kept executing" } };
  return { ok: true, value: activity.status };
}
