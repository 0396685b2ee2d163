// The browser side of the chat protocol, served as /chat/assets/transport.js: the same frames as the
// `ai` SDK's WebSocketChatTransport (send, resume, abort in; start, chunk, end, error, no-active out),
// plus reconnection that resumes every request in flight. Plain ES module text: no build step.
// (No backticks or template literals below: this is the body of a String.raw.)

export const CHAT_TRANSPORT_JS = String.raw`
const OPEN = 1;

function newId() {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 16);
}

/**
 * One WebSocket to a thread, reconnecting with a fresh ticket after a drop. Each request has handlers:
 * onStart(), onChunk(chunk, sequence, streamId), onReset() and onRequestId(id) (after a reconnect, a replay
 * follows under a new request), onEnd(), onError(text), onNoActive().
 */
export class ChatConnection {
  constructor({ url, params, chatId, onStatus }) {
    this.url = url;
    this.params = params;
    this.chatId = chatId;
    this.onStatus = onStatus || (() => {});
    this.requests = new Map();
    this.queue = [];
    this.socket = null;
    this.retry = 0;
    this.closed = false;
    this.connect();
  }

  /** Sends a user message; the answer arrives through the handlers. Returns the request id. */
  send(text, handlers) {
    const requestId = newId();
    this.requests.set(requestId, { kind: "send", streamId: null, lastSequence: -1, handlers });
    this.frame({
      type: "send", requestId, id: this.chatId, trigger: "submit-message",
      messages: [{ id: "u_" + newId(), role: "user", parts: [{ type: "text", text }] }],
      headers: {}, body: {},
    });
    return requestId;
  }

  /** Follows an answer in flight from its first chunk (or the oldest one, without streamId). */
  resume(streamId, handlers) {
    const requestId = newId();
    this.requests.set(requestId, { kind: "resume", streamId: streamId || null, lastSequence: -1, handlers });
    this.frame({ type: "resume", requestId, id: this.chatId, headers: {}, body: streamId ? { streamId } : {} });
    return requestId;
  }

  /** Stops the answer of a request (a chat answer stops and is saved as it is; a workflow's is only unfollowed). */
  abort(requestId) {
    if (!this.requests.delete(requestId)) return;
    this.frame({ type: "abort", requestId });
  }

  /** For tests and the UI's "reconnect": drops the socket as a network failure would. */
  drop() {
    if (this.socket) this.socket.close(4000, "dropped by the page");
  }

  frame(f) {
    const text = JSON.stringify(f);
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(text);
    else this.queue.push(text);
  }

  async connect() {
    if (this.closed) return;
    this.onStatus("connecting");
    let url;
    try {
      const params = await this.params();
      url = new URL(this.url, location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    } catch (err) {
      this.onStatus("offline", String(err && err.message ? err.message : err));
      return this.later();
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 0;
      this.onStatus("online");
      const queued = this.queue;
      this.queue = [];
      for (const text of queued) socket.send(text);
    };
    socket.onmessage = (event) => {
      try {
        this.handle(JSON.parse(event.data));
      } catch (err) {
        console.error("chat protocol error", err);
        socket.close(4001, "protocol error");
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onStatus("reconnecting");
      this.resumeAll();
      this.later();
    };
  }

  /** After a drop: every request still in flight becomes a resume (a full replay from sequence 0). */
  resumeAll() {
    const pending = [...this.requests.values()];
    this.requests.clear();
    this.queue = [];
    for (const r of pending) {
      if (r.handlers.onReset) r.handlers.onReset();
      const requestId = this.resume(r.streamId, r.handlers);
      if (r.handlers.onRequestId) r.handlers.onRequestId(requestId);
    }
  }

  later() {
    const delay = Math.min(10000, 250 * 2 ** this.retry++);
    setTimeout(() => this.connect(), delay);
  }

  handle(f) {
    if (!f || typeof f.type !== "string" || typeof f.requestId !== "string") throw new Error("invalid frame");
    const r = this.requests.get(f.requestId);
    if (!r) return;
    const h = r.handlers;
    switch (f.type) {
      case "start":
        if (h.onStart) h.onStart();
        return;
      case "chunk":
        if (!Number.isSafeInteger(f.sequence) || f.sequence < 0) throw new Error("invalid sequence");
        if (f.sequence <= r.lastSequence) return; // a repeat
        if (f.sequence !== r.lastSequence + 1) throw new Error("sequence gap");
        r.lastSequence = f.sequence;
        if (f.chunk && f.chunk.type === "start" && typeof f.chunk.messageId === "string") r.streamId = f.chunk.messageId;
        if (h.onChunk) h.onChunk(f.chunk, f.sequence, r.streamId);
        return;
      case "end":
        this.requests.delete(f.requestId);
        if (h.onEnd) h.onEnd();
        return;
      case "no-active":
        this.requests.delete(f.requestId);
        if (h.onNoActive) h.onNoActive();
        return;
      case "error":
        this.requests.delete(f.requestId);
        if (h.onError) h.onError(f.errorText || "error");
        return;
      default:
        throw new Error("unknown frame type " + f.type);
    }
  }
}
`;
