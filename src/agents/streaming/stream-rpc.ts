// What producers of answers and the thread object say to each other over RPC: open a stream, push its
// chunks in order, end it. Inputs are zod schemas (parsed by the thread object); results are data.
import { z } from "zod";
import { mintId, type RpcResult } from "../../kernel/index.ts";
import { StepwiseError } from "../../engine/index.ts";
import { THREAD_ID_PATTERN } from "../durable/thread-rpc.ts";
import { MessageId } from "../core/message.ts";
import { STREAM_ID_PATTERN } from "./core/frames.ts";
import type { Producer as CoreProducer } from "./core/answer-end.ts";

export const StreamId = z.string().regex(STREAM_ID_PATTERN);

/**
 * Who makes the answer, which decides what happens when it is cut off:
 * - "step": a workflow step (the call has an idempotency key). The engine runs an interrupted step
 *   again, so its stream is never saved half-done: the retry's stream replaces it.
 * - "thread": the thread object's own chat (a WebSocket `send`); it dies with the object's memory.
 * - "call": any other call (a Worker handler); nothing retries it either.
 */
export const Producer = z.enum(["step", "thread", "call"]) satisfies z.ZodType<CoreProducer>;
export type Producer = z.infer<typeof Producer>;

export const OpenStreamInput = z.object({
  streamId: StreamId,
  producer: Producer,
  agentName: z.string().min(1).max(200),
  promptMessageId: z.string().min(1).max(100),
  /** The answer's id: its UI message id (`start.messageId`) and the id of its first saved message. */
  answerId: MessageId,
  runId: z.string().max(200).nullable(),
  model: z.string().max(200).nullable(),
  provider: z.string().max(200).nullable(),
});
export type OpenStreamInput = z.input<typeof OpenStreamInput>;

export const PushChunksInput = z.object({
  streamId: StreamId,
  /** The sequence of the first chunk: a producer's pushes follow each other with no gap. */
  from: z.number().int().nonnegative(),
  /** UI message chunks; each is validated against the `ai` SDK's uiMessageChunkSchema by the thread. */
  chunks: z.array(z.unknown()).min(1).max(1000),
});
export type PushChunksInput = z.input<typeof PushChunksInput>;

export const AnswerOutcome = z.enum(["completed", "aborted", "failed"]);
export type AnswerOutcome = z.infer<typeof AnswerOutcome>;

export const EndStreamInput = z.object({
  streamId: StreamId,
  outcome: AnswerOutcome,
  error: z.object({ code: z.string().max(200), message: z.string().max(2000) }).optional(),
});
export type EndStreamInput = z.input<typeof EndStreamInput>;

/** What a push tells its producer: keep going, or stop pushing (the stream was ended elsewhere). */
export interface PushResult {
  live: boolean;
}

/** The thread object's stream methods, as a producer calls them. */
export interface StreamRpc {
  openStream(input: OpenStreamInput): Promise<RpcResult<{ streamId: string; superseded: string[] }>>;
  pushChunks(input: PushChunksInput): Promise<RpcResult<PushResult>>;
  endStream(input: EndStreamInput): Promise<RpcResult<true>>;
}

export function streamStub(env: Env, threadId: string): StreamRpc {
  if (!THREAD_ID_PATTERN.test(threadId)) throw new StepwiseError("thread.not_found", "no such thread");
  // SAFETY: AgentThread implements these methods with these zod-typed inputs and plain-data results.
  return env.THREADS.getByName(threadId) as unknown as StreamRpc;
}

/** A fresh answer stream id. */
export function newStreamId(): string {
  return mintId("ans");
}
