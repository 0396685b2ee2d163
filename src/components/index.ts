// The components' public surface: ActionRetrier, Workpool, the Durable Object classes they need, and
// the schemas of what they report.
export { ActionRetrier, type RetrierRunOptions } from "./action-retrier.ts";
export { Workpool, type EnqueueOptions, type WorkpoolOptions } from "./workpool/workpool.ts";
export { createComponents } from "./create-components.ts";
export { createFlowGates } from "./flow-gates.ts";
export { actionRunSettled } from "./action-run/object.ts";
export { ACTION_RUNS_BINDING, WORKPOOLS_BINDING, actionRunNamespace, workpoolNamespace, type ActionRunNamespace, type WorkpoolNamespace } from "./bindings.ts";
export { ActionOutcome, ActionRunStatus, ActionRunView, OnCompleteArgs } from "./action-run/rpc.ts";
export { DEFAULT_RETRIER, type RetrierOptions } from "./action-run/core/plan.ts";
export { DEFAULT_LEASE_MS, DEFAULT_MAX_PARALLELISM } from "./workpool/core/queue.ts";
export type { PoolStats } from "./workpool/rpc.ts";
// What an operator's console reads: every pool that has been used, and the live ActionRetrier runs.
export { POOL_NAME } from "./workpool/core/queue.ts";
export { describePool, listPools } from "./workpool/directory.ts";
export { RECENT_FAILURES } from "./workpool/dispatcher.ts";
export { PoolFailure, type PoolOverview } from "./workpool/rpc.ts";
export { liveRetrierRuns, type LiveRetrierRun } from "./action-run/directory.ts";
export type { CallerContext } from "../engine/index.ts";
export type { OnCompleteHandler } from "./on-complete.ts";
