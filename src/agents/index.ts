// The agents layer's public surface: threads, messages, Agent, tools and model selection.
export { Agent, AgentActionArgs, type AgentObjectResult, type AgentOptions, type AgentStream, type AgentTextResult, type StopWhen } from "./agent.ts";
export type { PromptArgs, ThreadTarget } from "./agent-turn.ts";
export type { AgentCtx, ThreadCtx } from "./ctx.ts";
export { MessageRecord, NewMessage, ThreadInfo, ThreadModelMessage, Usage } from "./core/message.ts";
export { RetentionDays } from "./core/thread-retention.ts";
export { AgentThread } from "./durable/thread-object.ts";
export { IndexedThread, ThreadIndex, type ThreadList, type ThreadListQuery } from "./durable/thread-index.ts";
export { THREAD_ID_PATTERN, type MessagePage } from "./durable/thread-rpc.ts";
export { DEFAULT_WORKERS_AI_MODEL, defaultModel, overrideModels, type ModelContext, type ModelOption } from "./models/select-model.ts";
export { OFFLINE_MODEL_ID, OFFLINE_PROVIDER, OfflineLanguageModel, offlineModel } from "./models/offline-model.ts";
export {
  createThread,
  createThreadMutation,
  getThread,
  listMessages,
  listThreads,
  saveMessage,
  saveMessageMutation,
  threadStub,
  type CreateThreadArgs,
  type SaveMessageArgs,
} from "./threads.ts";
export { signTicket, TICKET_TTL_MS, verifyTicket } from "./streaming/ws-ticket.ts";
export { createTool, type AgentTool, type AgentTools, type NeedsApproval, type ToolContext } from "./tools.ts";
export { requestToolApproval, type ApprovalSettings, type ToolApprovalRequest } from "./tool-approvals.ts";
export { ToolApproval, ToolDecision, type ApprovalStatus, type PendingApproval } from "./core/approval.ts";
export { approvalStub, type DecideApprovalResult } from "./durable/thread-rpc.ts";
export { stepCountIs } from "ai";
