// What the pool answers from its own rows: a job it still holds seen as an action run, and the
// error for a request that failed to parse.
import { fail, issueDetails, jsonColumn, type IssueList, type RpcResult } from "../../kernel/index.ts";
import { ActionRunSpec, type ActionRunView } from "../action-run/rpc.ts";
import type { JobRow } from "./store.ts";

export function invalid(error: IssueList): RpcResult<never> {
  return fail("request.invalid", "invalid request", issueDetails(error));
}

/** A job the pool still holds, seen as an action run. */
export function jobView(job: JobRow, status: "pending" | "canceled"): ActionRunView {
  const spec = jsonColumn(ActionRunSpec, job.spec, "jobs.spec");
  return {
    id: job.jobId,
    action: spec.action,
    status,
    attempts: 0,
    maxAttempts: spec.retry.maxAttempts,
    nextAttemptAt: null,
    onComplete: status === "canceled" && spec.onComplete !== undefined ? "pending" : "none",
    history: [],
    createdAt: job.enqueuedAt,
    completedAt: null,
  };
}
