// The page's connection to a thread's chat socket: the `ai` SDK's own WebSocketChatTransport does the
// protocol; this adds what a page needs around it: connection status, and following an answer again
// after a drop (a resume by the answer's id, or the same send repeated).
import { WebSocketChatTransport, type UIMessage, type UIMessageChunk } from "ai";

const STREAM_ID = /^ans_[0-9a-f]{32}$/;
/** An answer's id, as its `start` chunk announces it (the thread's message id pattern). */
const ANSWER_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** A stream id that never exists: resuming it opens the socket and gets no-active. */
const NO_ANSWER = `ans_${"0".repeat(32)}`;

export type ConnectionStatus = "connecting" | "online" | "reconnecting";

/** What a request tells the page. After a drop, onReset: the answer replays from its first chunk. */
export interface AnswerHandlers {
  /** `answerId`: the answer's id once its `start` chunk named it (or the one followed). */
  onChunk(chunk: UIMessageChunk, answerId: string | null): void;
  onReset(): void;
  onEnd(): void;
  onError(text: string): void;
  onNoActive(): void;
}

interface Request {
  id: string;
  handlers: AnswerHandlers;
  controller: AbortController;
  /** What a resume names: an answer stream's id (answers streamed before answers had ids), or the answer's. */
  streamId: string | null;
  answerId: string | null;
  reader: ReadableStreamDefaultReader<UIMessageChunk> | null;
  again: () => Promise<ReadableStream<UIMessageChunk> | null>;
}

function newId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * One thread's chat over WebSocketChatTransport. A dropped socket is reconnected (with a fresh ticket
 * from `ticket`) and every request in flight follows its answer again: a resume by stream id, or the
 * same send repeated (the thread saves a prompt once and attaches a repeated send to the answer in flight).
 * @example
 * const conn = new ChatConnection({ url: `/api/threads/${id}/ws`, ticket: () => mintTicket(id), chatId: id, onStatus: show });
 * conn.send("hello", handlers);
 */
export class ChatConnection {
  readonly #chatId: string;
  readonly #onStatus: (s: ConnectionStatus) => void;
  readonly #requests = new Map<string, Request>();
  readonly #transport: WebSocketChatTransport<UIMessage>;
  #socket: WebSocket | null = null;
  #retry = 0;
  #probing = false;

  constructor(opts: { url: string; ticket: () => Promise<string>; chatId: string; onStatus: (s: ConnectionStatus) => void }) {
    this.#chatId = opts.chatId;
    this.#onStatus = opts.onStatus;
    const self = this;
    // The transport opens its sockets with this class, so the page sees each one open and close.
    class TrackedSocket extends WebSocket {
      constructor(u: string | URL, protocols?: string | string[]) {
        super(u, protocols);
        self.#socket = this;
        self.#onStatus("connecting");
        this.addEventListener("open", () => {
          if (self.#socket !== this) return;
          self.#retry = 0;
          self.#onStatus("online");
        });
        this.addEventListener("close", () => {
          if (self.#socket !== this) return;
          self.#socket = null;
          self.#onStatus("reconnecting");
          void self.#probe(); // come back online even with nothing in flight
        });
      }
    }
    this.#transport = new WebSocketChatTransport<UIMessage>({
      url: new URL(opts.url, location.href).href,
      params: async () => ({ ticket: await opts.ticket() }),
      // SAFETY: the browser's WebSocket is the one `ai` expects (its WebSocketLike only narrows send's argument types).
      webSocket: TrackedSocket as unknown as NonNullable<ConstructorParameters<typeof WebSocketChatTransport>[0]["webSocket"]>,
    });
    void this.#probe();
  }

  /** Sends a user message; the answer arrives through the handlers. Returns the request id. */
  send(text: string, handlers: AnswerHandlers): string {
    const messages: UIMessage[] = [{ id: `u_${newId()}`, role: "user", parts: [{ type: "text", text }] }];
    const r = this.#track(
      handlers,
      (signal) => () => this.#transport.sendMessages({ chatId: this.#chatId, trigger: "submit-message", messageId: undefined, messages, abortSignal: signal }),
    );
    void this.#follow(r, r.again);
    return r.id;
  }

  /** Follows an answer in flight from its first chunk, by its id (or, for an old answer, its stream's). */
  resume(id: string, handlers: AnswerHandlers): string {
    const r = this.#track(handlers, () => () => this.#reconnect(r));
    if (STREAM_ID.test(id)) r.streamId = id;
    else r.answerId = id;
    void this.#follow(r, r.again);
    return r.id;
  }

  /** Stops a request: an answer this page sent stops (and is saved as it is); any other is only unfollowed. */
  abort(id: string): void {
    const r = this.#requests.get(id);
    if (r === undefined) return;
    this.#requests.delete(id);
    r.controller.abort();
    r.reader?.cancel().catch(() => {});
  }

  /** Drops the socket as a network failure would (for trying the recovery by hand, and for tests). */
  drop(): void {
    this.#socket?.close(4000, "dropped by the page");
  }

  #track(handlers: AnswerHandlers, again: (signal: AbortSignal) => Request["again"]): Request {
    const controller = new AbortController();
    const r: Request = { id: newId(), handlers, controller, streamId: null, answerId: null, reader: null, again: again(controller.signal) };
    this.#requests.set(r.id, r);
    return r;
  }

  #reconnect(r: Request): Promise<ReadableStream<UIMessageChunk> | null> {
    const body = r.streamId !== null ? { streamId: r.streamId } : r.answerId !== null ? { messageId: r.answerId } : {};
    return this.#transport.reconnectToStream({ chatId: this.#chatId, body });
  }

  /** Reads a request's answer to its end; after a network failure, follows it again from the start. */
  async #follow(r: Request, first: Request["again"]): Promise<void> {
    const h = r.handlers;
    let open = first;
    for (;;) {
      let stream: ReadableStream<UIMessageChunk> | null;
      try {
        stream = await open();
      } catch (err) {
        if (!this.#requests.has(r.id)) return;
        if (!(err instanceof TypeError)) return this.#fail(r, err);
        await this.#backoff(); // could not connect: the same request again
        continue;
      }
      if (stream === null) {
        this.#requests.delete(r.id);
        h.onNoActive();
        return;
      }
      r.reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await r.reader.read();
          if (done) break;
          if (value.type === "start" && ANSWER_ID.test(value.messageId ?? "")) r.answerId = value.messageId ?? null;
          h.onChunk(value, r.answerId ?? r.streamId);
        }
      } catch (err) {
        if (!this.#requests.has(r.id)) return;
        // WebSocketChatTransport fails a request with a TypeError when the connection drops, and with
        // an Error holding the server's errorText otherwise.
        if (!(err instanceof TypeError)) return this.#fail(r, err);
        h.onReset();
        // Known answer: resume it. Not known yet: repeat the send (it attaches to its answer).
        open = r.streamId !== null || r.answerId !== null ? () => this.#reconnect(r) : r.again;
        await this.#backoff();
        continue;
      }
      if (!this.#requests.has(r.id)) return;
      this.#requests.delete(r.id);
      h.onEnd();
      return;
    }
  }

  #fail(r: Request, err: unknown): void {
    this.#requests.delete(r.id);
    r.handlers.onError(err instanceof Error ? err.message : String(err));
  }

  /** Opens the socket (or reopens it after a drop) by asking about an answer that never exists. */
  async #probe(): Promise<void> {
    if (this.#probing) return;
    this.#probing = true;
    try {
      for (;;) {
        try {
          await this.#transport.reconnectToStream({ chatId: this.#chatId, body: { streamId: NO_ANSWER } });
          return;
        } catch (err) {
          if (!(err instanceof TypeError)) return;
          await this.#backoff();
        }
      }
    } finally {
      this.#probing = false;
    }
  }

  #backoff(): Promise<void> {
    return pause(Math.min(10_000, 250 * 2 ** this.#retry++));
  }
}
