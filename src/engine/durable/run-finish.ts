// What a run does once it has ended, before it may sleep for good: tell its parent run, then call the
// workflow's onComplete. The run object records it done afterwards (again after a crash in between).
import { z } from "zod";
import { decodePayload, jsonColumn, StepwiseError } from "../../kernel/index.ts";
import type { AnyWorkflow, RunOutcome } from "../define.ts";
import { acrossObjects } from "../faults.ts";
import type { Outcome } from "./run-protocol.ts";
import type { RunRecord } from "./run-store.ts";

const ParentRef = z.object({ runId: z.string(), seq: z.number() });

/** Never throws: a lost parent notice only delays the parent (its watchdog polls), and onComplete is not retried. */
export async function notifyAndComplete(env: Env, run: RunRecord, workflow: AnyWorkflow | undefined, outcome: Outcome): Promise<void> {
  if (run.parent !== null) {
    const parent = jsonColumn(ParentRef, run.parent, "run.parent");
    try {
      await acrossObjects("run.parent", () => env.WORKFLOW_RUNS.getByName(parent.runId).childFinished(parent.seq, run.runId, outcome));
    } catch (err) {
      console.error(`run ${run.runId}: notifying parent ${parent.runId} failed: ${String(err)}`);
    }
  }
  if (workflow?.onComplete === undefined) return;
  const publicOutcome: RunOutcome = outcome.status === "failed" ? { status: "failed", error: { code: outcome.error.code, message: outcome.error.message } } : outcome;
  try {
    await workflow.onComplete({ env, runId: run.runId, workflow: run.workflow, idempotencyKey: `${run.runId}:onComplete` }, publicOutcome, decodePayload(run.args));
  } catch (err) {
    console.error(`run ${run.runId}: onComplete threw (${err instanceof StepwiseError ? err.code : "error"}); it is not retried`);
  }
}
