// The engine's public surface: definitions, errors, the run object factory and the Worker-side client.
export { defineAction, defineMutation, defineWorkflow, nameOf, WORKFLOW_NAME_PATTERN } from "./define.ts";
export { FUNCTION_PATH } from "./workflow-api.ts";
export type {
  ActionContext,
  ActionDefinition,
  AnyCallable,
  AnyDefinition,
  AnyWorkflow,
  DefinitionLike,
  FunctionCalls,
  FunctionReference,
  MutationDefinition,
  OnCompleteContext,
  RunOutcome,
  Visibility,
  WorkflowDefinition,
} from "./workflow-api.ts";
export { anyApi, referenceTo, references, type ApiFromModules, type PublicApiFromModules, type ReferenceTo } from "./references.ts";
export { withCalls, type BaseActionContext } from "./function-calls.ts";
export { appDb } from "./app-db.ts";
export { NonRetryableError, RunCanceledError, StepwiseError } from "../kernel/index.ts";
export type { SerializedError } from "../kernel/index.ts";
export { backoffDelay, DEFAULT_RETRY, RetryPolicy, resolveRetry, shouldRetry, type RetryOption } from "./core/index.ts";
export { ModelUsage, noUsage, TokenUsage, tokenUsage, UsageReport } from "./core/index.ts";
export { acrossObjects } from "./faults.ts";
export type { StepContext, ActionStepOptions, SignalWaitMarks, SlotLease, SlotPool } from "./workflow-api.ts";
export { isStepContext, nextCall, nextRunId, startOnce, type CallerContext } from "./caller.ts";
export { functionName, isDefinition, referencePath, Registry, versionOf, type RegistryInput } from "./registry.ts";
export { createRunObject, runActivity, runInternals, type RunInternals, type RunObjectOptions } from "./durable/run-object.ts";
export type { FlowControl, FlowGates, FlowKey } from "./flow.ts";
export { instrument, instrumentation, type AttemptCall, type ChildCall, type ChildStandIn, type Instrumentation } from "./instrumentation.ts";
export type { RunActivity } from "./durable/run-host.ts";
export type { RunEvent } from "./durable/run-store.ts";
export { RunIndex, type LiveFrame } from "./durable/run-index.ts";
export { IndexWait, RUN_ID_PREFIX_PATTERN, type IndexedRun, type InboxPage, type InboxWait, type RunCount, type RunPage } from "./durable/index-entry.ts";
export { createClient, newRunId, type StepwiseClient } from "./client.ts";
export { MAX_WAIT_MS, OnCompleteRef, RUN_ID_PATTERN, RunCompletion, SIGNAL_NAME_PATTERN, type DescribeOptions } from "./durable/run-rpc.ts";
export type { RunView, StepView, WaitingFor } from "./durable/run-view.ts";
export type { RunTimeline, StepDetail, TimelineQuery, TimelineStep } from "./durable/run-timeline.ts";
export type { AttemptOutcome, AttemptSpan } from "./core/attempt-history.ts";
export { HISTORY_FORMAT, HistoryPatch, HistorySignal, HistoryStep, HistoryUsageRead, RunHistory } from "./history.ts";
export { formatReplayReport, replayHistory, type ReplayOptions, type ReplayReport, type StepShape } from "./history-replay.ts";
