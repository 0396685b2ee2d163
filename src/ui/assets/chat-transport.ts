// The page's connection to a thread's chat socket, served as /chat/assets/transport.js: the `ai` SDK's
// own WebSocketChatTransport (bundled as /chat/assets/ai-transport.js) does the protocol; this adds
// what a page needs around it: connection status, and following an answer again after a drop.
// (No backticks or template literals below: this is the body of a String.raw.)

export const CHAT_TRANSPORT_JS = String.raw`
import { WebSocketChatTransport } from "./ai-transport.js";

const STREAM_ID = /^ans_[0-9a-f]{32}$/;
// An answer id that never exists: resuming it opens the socket and gets no-active.
const NO_ANSWER = "ans_" + "0".repeat(32);

function newId() {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}

function pause(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * One thread's chat over WebSocketChatTransport. Each request has handlers: onChunk(chunk, null, streamId),
 * onReset() (after a drop, the answer replays from its first chunk), onEnd(), onError(text), onNoActive().
 * A dropped socket is reconnected (with a fresh ticket from params) and every request in flight follows
 * its answer again: a resume by stream id, or the same send repeated (the thread saves a prompt once and
 * attaches a repeated send to the answer in flight).
 */
export class ChatConnection {
  constructor({ url, params, chatId, onStatus }) {
    this.chatId = chatId;
    this.onStatus = onStatus || (() => {});
    this.requests = new Map();
    this.socket = null;
    this.retry = 0;
    this.probing = false;
    const self = this;
    // The transport opens its sockets with this class, so the page sees each one open and close.
    class TrackedSocket extends WebSocket {
      constructor(u, protocols) {
        super(u, protocols);
        self.socket = this;
        self.onStatus("connecting");
        this.addEventListener("open", () => {
          if (self.socket !== this) return;
          self.retry = 0;
          self.onStatus("online");
        });
        this.addEventListener("close", () => {
          if (self.socket !== this) return;
          self.socket = null;
          self.onStatus("reconnecting");
          self.probe(); // come back online even with nothing in flight
        });
      }
    }
    this.transport = new WebSocketChatTransport({ url: new URL(url, location.href).href, params, webSocket: TrackedSocket });
    this.probe();
  }

  /** Sends a user message; the answer arrives through the handlers. Returns the request id. */
  send(text, handlers) {
    const r = this.track(handlers);
    const messages = [{ id: "u_" + newId(), role: "user", parts: [{ type: "text", text }] }];
    r.again = () => this.transport.sendMessages({ chatId: this.chatId, trigger: "submit-message", messageId: undefined, messages, abortSignal: r.controller.signal });
    this.follow(r, r.again);
    return r.id;
  }

  /** Follows an answer in flight from its first chunk (or the oldest one, without streamId). */
  resume(streamId, handlers) {
    const r = this.track(handlers);
    r.streamId = streamId || null;
    r.again = () => this.reconnect(r);
    this.follow(r, r.again);
    return r.id;
  }

  /** Stops a request: a chat answer this page sent stops (and is saved as it is); any other is only unfollowed. */
  abort(id) {
    const r = this.requests.get(id);
    if (!r) return;
    this.requests.delete(id);
    r.controller.abort();
    if (r.reader) r.reader.cancel().catch(() => {});
  }

  /** For tests and the UI: drops the socket as a network failure would. */
  drop() {
    if (this.socket) this.socket.close(4000, "dropped by the page");
  }

  track(handlers) {
    const r = { id: newId(), handlers, controller: new AbortController(), streamId: null, reader: null, again: null };
    this.requests.set(r.id, r);
    return r;
  }

  reconnect(r) {
    return this.transport.reconnectToStream({ chatId: this.chatId, body: r.streamId ? { streamId: r.streamId } : {} });
  }

  /** Reads a request's answer to its end; after a network failure, follows it again from the start. */
  async follow(r, open) {
    const h = r.handlers;
    for (;;) {
      let stream;
      try {
        stream = await open();
      } catch (err) {
        if (!this.requests.has(r.id)) return;
        if (!(err instanceof TypeError)) return this.fail(r, err);
        await this.backoff(); // could not connect: the same request again
        continue;
      }
      if (stream === null) {
        this.requests.delete(r.id);
        if (h.onNoActive) h.onNoActive();
        return;
      }
      r.reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await r.reader.read();
          if (done) break;
          if (value.type === "start" && STREAM_ID.test(value.messageId || "")) r.streamId = value.messageId;
          if (h.onChunk) h.onChunk(value, null, r.streamId);
        }
      } catch (err) {
        if (!this.requests.has(r.id)) return;
        // WebSocketChatTransport fails a request with a TypeError when the connection drops, and with
        // an Error holding the server's errorText otherwise.
        if (!(err instanceof TypeError)) return this.fail(r, err);
        if (h.onReset) h.onReset();
        // Known answer: resume it. Not known yet: repeat the send (it attaches to its answer).
        open = r.streamId ? () => this.reconnect(r) : r.again;
        await this.backoff();
        continue;
      }
      if (!this.requests.has(r.id)) return;
      this.requests.delete(r.id);
      if (h.onEnd) h.onEnd();
      return;
    }
  }

  fail(r, err) {
    this.requests.delete(r.id);
    if (r.handlers.onError) r.handlers.onError(String(err && err.message ? err.message : err));
  }

  /** Opens the socket (or reopens it after a drop) by asking about an answer that never exists. */
  async probe() {
    if (this.probing) return;
    this.probing = true;
    try {
      for (;;) {
        try {
          await this.transport.reconnectToStream({ chatId: this.chatId, body: { streamId: NO_ANSWER } });
          return;
        } catch (err) {
          if (!(err instanceof TypeError)) return;
          await this.backoff();
        }
      }
    } finally {
      this.probing = false;
    }
  }

  backoff() {
    return pause(Math.min(10000, 250 * 2 ** this.retry++));
  }
}
`;
