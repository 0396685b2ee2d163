// The thread object's streaming capability: answers in flight (open, push, end), what becomes of one
// that is cut off, and fan-out to chat sockets and thread events. AgentThread dispatches here.
import { asSchema, uiMessageChunkSchema } from "ai";
import { z } from "zod";
import { fail, issueDetails, ok, type RpcResult } from "../../../kernel/index.ts";
import type { NewMessage } from "../../core/message.ts";
import { alarmBy } from "../../durable/thread-alarm.ts";
import type { ThreadStore } from "../../durable/thread-store.ts";
import { unfinishedText } from "../core/answer-text.ts";
import { decideEnd, staleStreams, type AnswerEnd } from "../core/answer-end.ts";
import { serverFrame } from "../core/frames.ts";
import { EndStreamInput, OpenStreamInput, PushChunksInput, type PushResult } from "../stream-rpc.ts";
import { ChatSockets } from "./chat-sockets.ts";
import { StreamStore, type StreamRow } from "./stream-store.ts";
import { answerInfo, ThreadEvents } from "./thread-events.ts";

/** How often an object with answers in flight checks on them. */
const WATCHDOG_MS = 60_000;
/** A producer elsewhere (a step, a Worker call) silent this long is taken for dead. */
export const STREAM_IDLE_MS = 10 * 60_000;

const chunkSchema = asSchema(uiMessageChunkSchema);
const StoredChunkJson = z.looseObject({ type: z.string(), delta: z.unknown().optional() });

export class StreamHub {
  readonly #ctx: DurableObjectState;
  readonly #threads: ThreadStore;
  readonly streams: StreamStore;
  readonly sockets: ChatSockets;
  readonly events: ThreadEvents;
  /**
   * Answers this object's chat is producing now, by stream id, with the request that asked for each:
   * only that request's `abort` stops the model (a follower's only stops following).
   */
  readonly running = new Map<string, { controller: AbortController; ws: WebSocket | null; requestId: string | null }>();

  constructor(ctx: DurableObjectState, threads: ThreadStore) {
    this.#ctx = ctx;
    this.#threads = threads;
    this.streams = new StreamStore(ctx.storage);
    this.sockets = new ChatSockets(ctx);
    this.events = new ThreadEvents(ctx);
  }

  /**
   * On wake-up (under blockConcurrencyWhile): the thread's own chat answers were produced by the
   * instance that is gone, so they end now as incomplete messages. Step answers wait for the retry.
   */
  recover(now: number): void {
    if (this.#threads.threadId() === undefined) return;
    for (const s of this.streams.active()) if (s.producer === "thread") this.finish(s, { kind: "interrupted" }, now);
  }

  async open(input: OpenStreamInput, now: number): Promise<RpcResult<{ streamId: string; superseded: string[] }>> {
    if (this.#threads.threadId() === undefined) return notFound();
    const parsed = OpenStreamInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const s = parsed.data;
    const superseded: string[] = [];
    if (s.producer === "step") {
      // A step runs again after a crash or a timeout: its new attempt carries the answer from here.
      for (const old of this.streams.active()) {
        if (old.producer === "step" && old.streamId !== s.streamId && old.promptMessageId === s.promptMessageId && old.agentName === s.agentName) {
          this.finish(old, { kind: "superseded" }, now);
          superseded.push(old.streamId);
        }
      }
    }
    const existed = this.streams.get(s.streamId) !== undefined;
    this.streams.insert({ ...s, now });
    if (!existed) {
      this.events.broadcast({ type: "answer.started", answer: answerInfo(this.streams.get(s.streamId)!) });
      // Chat requests that wait for this answer to go on (they decided its tool calls) follow it from its first chunk.
      this.sockets.rekey(awaitKey(s.answerId), s.streamId);
    }
    await this.#watch(now);
    return ok({ streamId: s.streamId, superseded });
  }

  async push(input: PushChunksInput, now: number): Promise<RpcResult<PushResult>> {
    const parsed = PushChunksInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const json: string[] = [];
    for (const [i, chunk] of parsed.data.chunks.entries()) {
      const valid = await chunkSchema.validate!(chunk);
      if (!valid.success) return fail("stream.invalid_chunk", `chunk ${parsed.data.from + i} is not a UI message chunk: ${valid.error.message}`);
      json.push(JSON.stringify(valid.value));
    }
    // Read after the awaits: the stream may have ended meanwhile.
    const s = this.streams.get(parsed.data.streamId);
    if (s === undefined) return ok({ live: false });
    if (parsed.data.from > s.nextSeq) return fail("stream.sequence_gap", `chunk ${parsed.data.from} pushed, ${s.nextSeq} expected`);
    const { first, added } = this.streams.append(s.streamId, s.nextSeq, parsed.data.from, json, now);
    this.sockets.deliver(s.streamId, first, added, (after) => this.streams.chunks(s.streamId, after));
    return ok({ live: true });
  }

  end(input: EndStreamInput, now: number): RpcResult<true> {
    const parsed = EndStreamInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const s = this.streams.get(parsed.data.streamId);
    if (s === undefined) return ok(true); // ended already (superseded, or by the watchdog)
    const { outcome, error } = parsed.data;
    this.finish(s, outcome === "failed" ? { kind: "failed", error: error ?? { code: "agent.failed", message: "the answer failed" } } : { kind: outcome }, now);
    return ok(true);
  }

  /** Ends an answer in flight: saves what the decision says in the same transaction that drops its chunks. */
  finish(s: StreamRow, how: AnswerEnd, now: number): string[] {
    const threadId = this.#threads.threadId();
    // Only an end that could save something reads what was generated, and whether it was saved already.
    const mightSave = how.kind !== "completed" && how.kind !== "superseded";
    const text = mightSave ? unfinishedText(this.#chunkObjects(s.streamId)) : "";
    const answered = mightSave && threadId !== undefined && this.#threads.responses(threadId, s.promptMessageId, s.agentName).some((m) => m.final);
    const decision = decideEnd(s.producer, how, text !== "", answered);
    const saved = this.streams.transaction(() => {
      const ids: string[] = [];
      if (decision.save !== null && threadId !== undefined) {
        const message: NewMessage = {
          ...(s.answerId === null ? {} : { id: s.answerId, answerId: s.answerId }),
          message: { role: "assistant", content: text === "" ? [] : [{ type: "text", text }] },
          status: decision.save.status,
          agentName: s.agentName,
          ...(s.model === null ? {} : { model: s.model }),
          ...(s.provider === null ? {} : { provider: s.provider }),
          promptMessageId: s.promptMessageId,
          final: decision.save.final,
          finishReason: decision.save.finishReason,
          error: decision.save.error,
        };
        ids.push(...this.#threads.append(threadId, [message], `stream-end:${s.streamId}`, now).map((m) => m.id));
      }
      this.streams.delete(s.streamId);
      return ids;
    });
    const last = decision.last;
    this.sockets.close(s.streamId, (requestId) => (last.type === "end" ? serverFrame.end(requestId) : serverFrame.error(requestId, last.errorText)));
    this.events.broadcast({ type: "answer.ended", streamId: s.streamId, answerId: s.answerId, outcome: how.kind, messageIds: saved });
    if (saved.length > 0) this.messagesSaved();
    return saved;
  }

  /**
   * A client follows an answer in flight (`resume`): `start`, the stored chunks after `after`, then
   * live ones until the end. Without `streamId`, the oldest answer in flight; none: `no-active`.
   */
  attach(ws: WebSocket, requestId: string, target: { streamId?: string | undefined; answerId?: string | undefined }, after: number): void {
    const s =
      target.streamId !== undefined
        ? this.streams.get(target.streamId)
        : target.answerId !== undefined
          ? this.streams.ofAnswer(target.answerId)
          : this.streams.active()[0];
    if (s === undefined) {
      this.sockets.send(ws, serverFrame.noActive(requestId));
      return;
    }
    if (!this.sockets.send(ws, serverFrame.start(requestId))) return;
    // Storage reads are synchronous: nothing can be pushed between this replay and the subscription.
    for (const c of this.streams.chunks(s.streamId, after)) {
      if (!this.sockets.send(ws, serverFrame.chunk(requestId, c.seq, c.chunk))) return;
    }
    this.sockets.subscribe(ws, requestId, s.streamId, Math.max(after + 1, s.nextSeq));
  }

  /**
   * A chat request that decided an answer's tool calls follows the answer when it goes on: its stream if
   * one is in flight, else the next one opened for it (a workflow step takes the decision and answers).
   */
  awaitAnswer(ws: WebSocket, requestId: string, answerId: string): void {
    const live = this.streams.ofAnswer(answerId);
    if (live !== undefined) {
      this.attach(ws, requestId, { streamId: live.streamId }, -1);
      return;
    }
    if (!this.sockets.send(ws, serverFrame.start(requestId))) return;
    this.sockets.subscribe(ws, requestId, awaitKey(answerId), 0);
  }

  messagesSaved(): void {
    this.events.broadcast({ type: "messages.saved", messageCount: this.#threads.info()?.messageCount ?? 0 });
  }

  snapshot() {
    return { type: "thread.snapshot" as const, answers: this.streams.active().map(answerInfo), messageCount: this.#threads.info()?.messageCount ?? 0 };
  }

  /**
   * The watchdog, run by the thread's alarm: ends answers whose producer is gone, and returns when to
   * look again while any remain in flight (null: none is). The thread arms its one alarm for that.
   */
  watchdog(now: number): number | null {
    if (this.#threads.threadId() === undefined) return null;
    for (const s of staleStreams(this.streams.active(), new Set(this.running.keys()), now, STREAM_IDLE_MS)) this.finish(s, { kind: "interrupted" }, now);
    return this.streams.active().length > 0 ? now + WATCHDOG_MS : null;
  }

  /** The alarm may be set for the thread's expiry, later than the watchdog needs it: bring it earlier. */
  #watch(now: number): Promise<void> {
    return alarmBy(this.#ctx.storage, now + WATCHDOG_MS);
  }

  *#chunkObjects(streamId: string): Generator<z.infer<typeof StoredChunkJson>> {
    for (const c of this.streams.chunks(streamId, -1)) {
      const parsed = StoredChunkJson.safeParse(JSON.parse(c.chunk));
      if (parsed.success) yield parsed.data;
    }
  }
}

/** The subscription key of requests waiting for an answer's next stream. */
function awaitKey(answerId: string): string {
  return `await:${answerId}`;
}

function notFound(): RpcResult<never> {
  return fail("thread.not_found", "no such thread");
}

function invalid(error: z.ZodError): RpcResult<never> {
  return fail("thread.invalid_input", "invalid stream request", issueDetails(error));
}
