// What callers send a thread object and what it answers: the thread id pattern, the inputs its RPC
// methods parse, their results, and the surface its class implements. Callers type their stubs by it,
// so nothing but the Worker's exports imports the object itself.
import { z } from "zod";
import type { RpcResult } from "../../kernel/index.ts";
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
