// What an action run reports, built from its rows: the view `status(id)` returns and the outcome
// onComplete receives. Pure: rows in, data out.
import { decodePayload, jsonColumn, SerializedError } from "../../kernel/index.ts";
import { RetryPolicy } from "../../engine/index.ts";
import { publicStatus } from "./core/plan.ts";
import type { ActionOutcome, ActionRunView } from "./rpc.ts";
import type { AttemptRow, RunRow } from "./store.ts";

export function runView(row: RunRow, attempts: AttemptRow[]): ActionRunView {
  const view: ActionRunView = {
    id: row.runId,
    action: row.action,
    status: publicStatus(row.state),
    attempts: row.attempts,
    maxAttempts: jsonColumn(RetryPolicy, row.policy, "run.policy").maxAttempts,
    nextAttemptAt: row.state === "backoff" ? row.wakeAt : null,
    onComplete: row.onComplete,
    history: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt,
      endedAt: a.endedAt,
      error: a.error === null ? null : publicError(a.error, "attempts.error"),
      retryAt: a.retryAt,
    })),
    createdAt: row.createdAt,
    completedAt: row.completedAt,
  };
  if (row.state === "completed") view.result = decodePayload(row.result);
  if (row.state === "failed" && row.error !== null) view.error = publicError(row.error, "run.error");
  return view;
}

/** How a finished run ended, as onComplete sees it. */
export function runOutcome(row: RunRow): ActionOutcome {
  if (row.state === "completed") return { status: "completed", result: decodePayload(row.result) };
  if (row.state === "failed") return { status: "failed", error: publicError(row.error, "run.error") };
  return { status: "canceled" };
}

function publicError(json: string | null, column: string): { code: string; message: string } {
  const e = jsonColumn(SerializedError, json, column);
  return { code: e.code, message: e.message };
}
