// What a user's code imports as `stepwise` (package.json "exports"): the user-facing API of every layer,
// and nothing the objects, the HTTP app or the tests need behind it. Never imports src/index.ts or src/workflows.

// Workflows, actions and mutations; references to them by name; errors; the Worker-side client.
export {
  defineAction,
  defineMutation,
  defineWorkflow,
  references,
  anyApi,
  appDb,
  createClient,
  NonRetryableError,
  RunCanceledError,
  StepwiseError,
} from "./engine/index.ts";
export type {
  ActionContext,
  ActionDefinition,
  ActionStepOptions,
  ApiFromModules,
  FunctionReference,
  ModelUsage,
  MutationDefinition,
  OnCompleteContext,
  PublicApiFromModules,
  RetryOption,
  RetryPolicy,
  RunHistory,
  RunOutcome,
  RunView,
  SerializedError,
  SignalWaitMarks,
  StepContext,
  StepView,
  StepwiseClient,
  TokenUsage,
  UsageReport,
  WaitingFor,
  WorkflowDefinition,
} from "./engine/index.ts";

// Agents and their threads.
export { Agent, createThread, createTool, getThread, listMessages, listThreads, saveMessage, stepCountIs } from "./agents/index.ts";
export type {
  AgentObjectResult,
  AgentOptions,
  AgentStream,
  AgentTextResult,
  AgentTool,
  AgentTools,
  ApprovalSettings,
  ApprovalStatus,
  CreateThreadArgs,
  MessageRecord,
  NeedsApproval,
  PendingApproval,
  SaveMessageArgs,
  StopWhen,
  ThreadInfo,
  ToolApproval,
  ToolContext,
  ToolDecision,
} from "./agents/index.ts";

// Approval links.
export { ApprovalDecision, ApprovalRequest, requestApproval } from "./approvals/index.ts";

// The reliability components.
export { ActionOutcome, ActionRetrier, OnCompleteArgs, Workpool } from "./components/index.ts";
export type { EnqueueOptions, PoolStats, RetrierOptions, RetrierRunOptions, WorkpoolOptions } from "./components/index.ts";

// Queue triggers: a Cloudflare Queue's messages start runs; what a bad message becomes on the dead-letter queue.
export { DeadLetter, defineQueueTrigger } from "./triggers/index.ts";
export type { QueueMessageBody, QueueTrigger } from "./triggers/index.ts";
// Schedules: runs started at the instants of a cron expression.
export { defineSchedule } from "./triggers/index.ts";
export type { ScheduleDefinition, ScheduleOptions, ScheduleSummary, ScheduleView } from "./triggers/index.ts";

// A deployment: its registry, its Durable Object classes and its app; `AppType` types `hc<AppType>` from hono/client.
export { createStepwise } from "./stepwise.ts";
// The Durable Object classes a Worker exports beside createStepwise's three (bound in wrangler.toml).
export { RunIndex } from "./engine/index.ts";
export { AgentThread, ThreadIndex } from "./agents/index.ts";
export type { AppType } from "./http/index.ts";
