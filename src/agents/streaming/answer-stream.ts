// The producer side of an answer in flight: an Agent call on a thread opens a stream on the thread
// object, pushes the answer's UI message chunks to it in order (one RPC at a time, batching what
// queued meanwhile), then ends it once the answer is saved as messages.
import type { UIMessageChunk } from "ai";
import { log, loggedError, unwrap } from "../../kernel/index.ts";
import { acrossObjects } from "../../engine/index.ts";
import { stepChunks, type StepContentLike } from "./core/step-chunks.ts";
import { newStreamId, streamStub, type AnswerOutcome, type OpenStreamInput, type StreamRpc } from "./stream-rpc.ts";

export class AnswerStream {
  readonly id: string;
  readonly #rpc: StreamRpc;
  #queue: unknown[] = [];
  #next = 0;
  #steps = 0;
  #inflight: Promise<void> | null = null;
  #live = true;

  private constructor(id: string, rpc: StreamRpc) {
    this.id = id;
    this.#rpc = rpc;
  }

  /**
   * Opens the answer's stream on its thread (clients following the thread see it start).
   * @example
   * const answer = await AnswerStream.open(env, threadId, {
   *   producer: "step", agentName: "support", promptMessageId, runId, model: "offline", provider: "stepwise.offline",
   * });
   */
  static async open(env: Env, threadId: string, meta: Omit<OpenStreamInput, "streamId"> & { streamId?: string }): Promise<AnswerStream> {
    const rpc = streamStub(env, threadId);
    const streamId = meta.streamId ?? newStreamId();
    unwrap(await rpc.openStream({ ...meta, streamId }));
    return new AnswerStream(streamId, rpc);
  }

  push(...chunks: unknown[]): void {
    if (!this.#live) return;
    this.#queue.push(...chunks);
    this.#kick();
  }

  /** A finished model step of an answer made without a token stream (generateText, generateObject). */
  pushStep(content: readonly StepContentLike[]): void {
    this.push(...stepChunks(content, this.#steps++));
  }

  /** Pushes every chunk of a UI message stream; resolves when the stream is read to its end. */
  async pipe(stream: AsyncIterable<UIMessageChunk>): Promise<void> {
    for await (const chunk of stream) this.push(chunk);
  }

  /** Waits until every chunk pushed so far reached the thread. */
  async flush(): Promise<void> {
    while (this.#inflight !== null) await this.#inflight;
  }

  /**
   * Ends the stream once the answer is saved (or given up): the thread deletes its chunks and, for an
   * aborted or failed answer that no retry will finish, saves what was generated. Never throws: the
   * answer's own outcome matters more than telling the watchers.
   */
  async end(outcome: AnswerOutcome, error?: unknown): Promise<void> {
    await this.flush();
    this.#live = false;
    try {
      unwrap(await this.#rpc.endStream({ streamId: this.id, outcome, ...(outcome === "failed" ? { error: serialize(error) } : {}) }));
    } catch (err) {
      log.error("ending an answer stream failed", { streamId: this.id, error: loggedError(err) });
    }
  }

  #kick(): void {
    if (this.#inflight !== null || this.#queue.length === 0 || !this.#live) return;
    const chunks = this.#queue;
    this.#queue = [];
    const from = this.#next;
    this.#next += chunks.length;
    this.#inflight = acrossObjects("thread.stream", () => this.#rpc.pushChunks({ streamId: this.id, from, chunks }))
      .then((r) => {
        if (!unwrap(r).live) this.#live = false;
      })
      .catch((err) => {
        // Streaming is for watchers; the answer itself is still saved as messages. Stop pushing.
        log.error("pushing to an answer stream failed; it stops pushing", { streamId: this.id, error: loggedError(err) });
        this.#live = false;
      })
      .finally(() => {
        this.#inflight = null;
        this.#kick();
      });
  }
}

function serialize(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === "string" ? e.code : "agent.failed";
  const message = typeof e?.message === "string" && e.message !== "" ? e.message : String(error);
  return { code: code.slice(0, 200), message: message.slice(0, 2000) };
}
