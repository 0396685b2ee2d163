// What callers send a thread object and what it answers: the thread id pattern, the inputs its RPC
// methods parse, their results, and the surface its class implements. Callers type their stubs by it,
// so nothing but the Worker's exports imports the object itself.
import type { UIMessage } from "ai";
import { z } from "zod";
import { StepwiseError } from "../../engine/index.ts";
import type { RpcResult } from "../../kernel/index.ts";
import { ApprovalStatus, ToolDecision, type ToolApproval } from "../core/approval.ts";
import { NewMessage, type MessageRecord, type ThreadInfo } from "../core/message.ts";
import { RetentionDays } from "../core/thread-retention.ts";

export const THREAD_ID_PATTERN = /^thread_[0-9a-f]{32}$/;

export const CreateThreadInput = z.object({
  threadId: z.string().regex(THREAD_ID_PATTERN),
  userId: z.string().min(1).max(200),
  title: z.string().max(200).nullable().default(null),
  /** Days the thread is kept after its last activity; null: forever. */
  retentionDays: RetentionDays.nullable().default(null),
});
export const AppendInput = z.object({ idempotencyKey: z.string().min(1).max(400).optional(), messages: z.array(NewMessage).min(1).max(100) });
export const PageInput = z.object({ after: z.number().int().nonnegative().default(0), limit: z.number().int().min(1).max(200).default(50) });
export const ContextInput = z.object({
  promptMessageId: z.string().min(1).max(100),
  agentName: z.string().nullable(),
  recentMessages: z.number().int().min(0).max(1000),
});

export const ClaimApprovalInput = z.object({
  approvalId: z.string().min(1).max(200),
  runId: z.string().min(1).max(200),
  signal: z.string().min(1).max(100),
  requestSeq: z.number().int().nonnegative(),
  expiresAt: z.number().int(),
});
export const ListApprovalsInput = z.object({ status: ApprovalStatus.optional(), limit: z.number().int().min(1).max(200).default(50) });
export const DecideApprovalInput = ToolDecision;

/** What a decision sent to a thread did: taken (by the thread, or sent into the run that waits), or why not. */
export type DecideApprovalResult = { decided: true; approval: ToolApproval };

export interface MessagePage {
  messages: MessageRecord[];
  /** Pass as `after` for the next page; null on the last page. */
  nextAfter: number | null;
}

export interface PromptContext {
  prompt: MessageRecord;
  history: MessageRecord[];
  responses: MessageRecord[];
}

/** The thread object's message methods (its class implements them); a stub answers each as a promise. */
export interface ThreadObjectRpc {
  create(input: z.input<typeof CreateThreadInput>): Promise<RpcResult<ThreadInfo>>;
  info(): RpcResult<ThreadInfo>;
  append(input: z.input<typeof AppendInput>): RpcResult<MessageRecord[]>;
  page(input: z.input<typeof PageInput>): RpcResult<MessagePage>;
  promptContext(input: z.input<typeof ContextInput>): RpcResult<PromptContext>;
  markFinal(messageId: string): RpcResult<true>;
}

/** The thread object's approval methods. */
export interface ApprovalRpc {
  /** A workflow's request step: that run waits for the decision, on `signal`, until `expiresAt`. */
  claimApproval(input: z.input<typeof ClaimApprovalInput>): Promise<RpcResult<true>>;
  approvals(input: z.input<typeof ListApprovalsInput>): RpcResult<ToolApproval[]>;
  /** Takes a decision (once; the thread's own chat answer then goes on, a run gets it as its signal). */
  decideApproval(input: z.input<typeof DecideApprovalInput>): Promise<RpcResult<DecideApprovalResult>>;
  /** The thread as a chat client shows it: UI messages, the ids the client knows. */
  uiMessages(): RpcResult<UIMessage[]>;
}

export function approvalStub(env: Env, threadId: string): ApprovalRpc {
  if (!THREAD_ID_PATTERN.test(threadId)) throw new StepwiseError("thread.not_found", "no such thread");
  // SAFETY: AgentThread implements these methods with these zod-typed inputs and plain-data results.
  return env.THREADS.getByName(threadId) as unknown as ApprovalRpc;
}
