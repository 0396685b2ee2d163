// createThread, saveMessage and thread reads. Under a workflow `step` the writes are mutation steps;
// under an action they are keyed by the step's idempotency key, so a replay or retry adds nothing.
import { z } from "zod";
import { mintId, sha256Hex, unwrap } from "../kernel/index.ts";
import { defineMutation, isStepContext, StepwiseError } from "../engine/index.ts";
import { resolveCtx, type AgentCtx, type ThreadCtx } from "./ctx.ts";
import { ThreadModelMessage, type MessageRecord, type NewMessage, type ThreadInfo } from "./core/message.ts";
import { RetentionDays } from "./core/thread-retention.ts";
import type { ThreadList, ThreadListQuery } from "./durable/thread-index.ts";
import { THREAD_ID_PATTERN, type MessagePage, type ThreadObjectRpc } from "./durable/thread-rpc.ts";

const CreateThreadArgs = z.object({
  userId: z.string().min(1).max(200),
  title: z.string().max(200).optional(),
  /** Delete the thread this many days after its last activity (its last saved message or its creation). */
  retentionDays: RetentionDays.optional(),
});
export type CreateThreadArgs = z.input<typeof CreateThreadArgs>;

const SaveMessageArgs = z.union([
  z.object({ threadId: z.string(), prompt: z.string().min(1), agentName: z.string().optional() }),
  z.object({ threadId: z.string(), message: ThreadModelMessage, agentName: z.string().optional() }),
]);
export type SaveMessageArgs = z.input<typeof SaveMessageArgs>;

/** The thread object's RPC methods as a caller sees them: the same arguments, results awaited. */
export type ThreadRpc = { [K in keyof ThreadObjectRpc]: (...args: Parameters<ThreadObjectRpc[K]>) => Promise<Awaited<ReturnType<ThreadObjectRpc[K]>>> };

/** The stub of a thread's object; an id that cannot be a thread is `thread.not_found`. */
export function threadStub(env: Env, threadId: string): ThreadRpc {
  if (!THREAD_ID_PATTERN.test(threadId)) throw new StepwiseError("thread.not_found", "no such thread");
  // SAFETY: these methods take and return plain data (RpcResult of zod-parsed records), which RPC
  // copies as is; workerd's Rpc type mapping widens their `unknown` fields, so name the types here.
  return env.THREADS.getByName(threadId) as unknown as ThreadRpc;
}

/**
 * Creates a thread. With a workflow `step` it is a mutation step; with an action's context the id
 * derives from the step's idempotency key; with the Worker env it is random. Without `retentionDays`
 * the thread is kept forever; with it, it is deleted that many days after its last activity.
 * @example
 * const { threadId } = await createThread(step, { userId: "ada", title: "Trip to Paris", retentionDays: 30 });
 */
export async function createThread(ctx: ThreadCtx, args: CreateThreadArgs): Promise<{ threadId: string }> {
  if (isStepContext(ctx)) return ctx.runMutation(createThreadMutation, args);
  const { userId, title, retentionDays } = CreateThreadArgs.parse(args);
  const r = resolveCtx(ctx);
  const key = r.nextKey("createThread");
  const threadId = key === undefined ? mintId("thread") : await threadIdFor(key);
  unwrap(await threadStub(r.env, threadId).create({ threadId, userId, title: title ?? null, retentionDays: retentionDays ?? null }));
  return { threadId };
}

/**
 * Saves a prompt (a user message) or any message to a thread, once per step.
 * @example
 * const { messageId } = await saveMessage(step, { threadId, prompt: "Where is my parcel?" });
 */
export async function saveMessage(ctx: ThreadCtx, args: SaveMessageArgs): Promise<{ messageId: string; order: number }> {
  if (isStepContext(ctx)) return ctx.runMutation(saveMessageMutation, args);
  const parsed = SaveMessageArgs.parse(args);
  const message: ThreadModelMessage = "prompt" in parsed ? { role: "user", content: parsed.prompt } : parsed.message;
  const r = resolveCtx(ctx);
  const [saved] = await appendMessages(r.env, parsed.threadId, [{ message, agentName: parsed.agentName }], r.nextKey("saveMessage"));
  return { messageId: saved!.id, order: saved!.order };
}

export const createThreadMutation = defineMutation({
  name: "createThread",
  args: CreateThreadArgs,
  handler: (ctx, args) => createThread(ctx, args),
});

export const saveMessageMutation = defineMutation({
  name: "saveMessage",
  args: SaveMessageArgs,
  handler: (ctx, args) => saveMessage(ctx, args),
});

export async function appendMessages(env: Env, threadId: string, messages: NewMessage[], idempotencyKey?: string): Promise<MessageRecord[]> {
  return unwrap(await threadStub(env, threadId).append(idempotencyKey === undefined ? { messages } : { messages, idempotencyKey }));
}

/**
 * A thread's metadata and message count.
 * @example
 * const { messageCount } = await getThread(env, threadId);
 */
export async function getThread(ctx: AgentCtx, threadId: string): Promise<ThreadInfo> {
  return unwrap(await threadStub(resolveCtx(ctx).env, threadId).info());
}

/**
 * A page of a thread's messages, oldest first, after the order `after` (0 for the start).
 * @example
 * const { messages, nextAfter } = await listMessages(env, threadId, { limit: 50 });
 */
export async function listMessages(ctx: AgentCtx, threadId: string, page: { after?: number; limit?: number } = {}): Promise<MessagePage> {
  return unwrap(await threadStub(resolveCtx(ctx).env, threadId).page(page));
}

/**
 * A page of threads from the thread index, newest first by creation; `userId` keeps one user's. A
 * cursor this did not return is `request.invalid_cursor`.
 * @example
 * const { threads, nextCursor } = await listThreads(env, { userId: "ada", limit: 20 });
 */
export async function listThreads(ctx: AgentCtx, query: ThreadListQuery = {}): Promise<ThreadList> {
  return unwrap(await resolveCtx(ctx).env.THREAD_INDEX.getByName("global").list(query));
}

/** A thread id derived from an idempotency key: the same key always names the same thread. */
async function threadIdFor(key: string): Promise<string> {
  return `thread_${(await sha256Hex(`stepwise-thread:${key}`)).slice(0, 32)}`;
}
