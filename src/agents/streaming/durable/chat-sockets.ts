// The thread's chat WebSockets (hibernation API) and which request of which socket follows which
// answer. Subscriptions live in each socket's attachment, so they survive the object hibernating.
import { z } from "zod";
import { serverFrame } from "../core/frames.ts";
import type { StoredChunk } from "./stream-store.ts";

export const CHAT_TAG = "chat";

/**
 * A socket's attachment: its subscriptions (request id, stream id, first sequence it still needs).
 * `n` is only written when a subscription starts, so after hibernation a reader may get chunks again
 * from there: the transport ignores sequences it already has, and never sees a gap.
 */
const ChatAttachment = z.object({ ch: z.literal(CHAT_TAG), subs: z.array(z.object({ r: z.string(), s: z.string(), n: z.number().int().nonnegative() })) });
type ChatAttachment = z.infer<typeof ChatAttachment>;

/** One request following one answer. */
export interface Subscription {
  ws: WebSocket;
  requestId: string;
  streamId: string;
  /** The next sequence this request needs. */
  next: number;
}

export class ChatSockets {
  readonly #ctx: DurableObjectState;
  #byStream: Map<string, Subscription[]> | null = null;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** Accepts a chat socket (hibernatable); the Worker checked its ticket. */
  accept(): Response {
    const pair = new WebSocketPair();
    this.#ctx.acceptWebSocket(pair[1], [CHAT_TAG]);
    pair[1].serializeAttachment({ ch: CHAT_TAG, subs: [] } satisfies ChatAttachment);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  isChat(ws: WebSocket): boolean {
    return this.#ctx.getTags(ws).includes(CHAT_TAG);
  }

  subscribe(ws: WebSocket, requestId: string, streamId: string, next: number): Subscription {
    this.unsubscribe(ws, requestId);
    const sub: Subscription = { ws, requestId, streamId, next };
    const list = this.#index().get(streamId) ?? [];
    list.push(sub);
    this.#index().set(streamId, list);
    this.#persist(ws, (subs) => [...subs, { r: requestId, s: streamId, n: next }]);
    return sub;
  }

  unsubscribe(ws: WebSocket, requestId: string): Subscription | undefined {
    for (const [streamId, list] of this.#index()) {
      const i = list.findIndex((s) => s.ws === ws && s.requestId === requestId);
      if (i < 0) continue;
      const [sub] = list.splice(i, 1);
      if (list.length === 0) this.#index().delete(streamId);
      this.#persist(ws, (subs) => subs.filter((s) => s.r !== requestId));
      return sub;
    }
    return undefined;
  }

  /** Moves every subscription under `from` (requests waiting for an answer to go on) to a new stream, from its start. */
  rekey(from: string, streamId: string): void {
    const list = this.#index().get(from);
    if (list === undefined) return;
    this.#index().delete(from);
    for (const sub of list) {
      sub.streamId = streamId;
      sub.next = 0;
      const moved = this.#index().get(streamId) ?? [];
      moved.push(sub);
      this.#index().set(streamId, moved);
      this.#persist(sub.ws, (subs) => subs.map((x) => (x.r === sub.requestId ? { r: x.r, s: streamId, n: 0 } : x)));
    }
  }

  /** How many requests of this socket follow an answer. */
  count(ws: WebSocket): number {
    let n = 0;
    for (const list of this.#index().values()) for (const s of list) if (s.ws === ws) n++;
    return n;
  }

  /** The socket's subscription for `requestId`, if any. */
  find(ws: WebSocket, requestId: string): Subscription | undefined {
    for (const list of this.#index().values()) {
      const sub = list.find((s) => s.ws === ws && s.requestId === requestId);
      if (sub !== undefined) return sub;
    }
    return undefined;
  }

  /**
   * Sends each follower of a stream what it is missing: `added` (sequences from `first`) when it is
   * level with them, else it catches up from storage first. A socket that fails to send is dropped.
   */
  deliver(streamId: string, first: number, added: readonly string[], readFrom: (after: number) => Iterable<StoredChunk>): void {
    for (const sub of [...(this.#index().get(streamId) ?? [])]) {
      try {
        if (sub.next < first) {
          for (const c of readFrom(sub.next - 1)) {
            if (c.seq >= first) break;
            sub.ws.send(serverFrame.chunk(sub.requestId, c.seq, c.chunk));
          }
          sub.next = first;
        }
        for (let i = Math.max(0, sub.next - first); i < added.length; i++) sub.ws.send(serverFrame.chunk(sub.requestId, first + i, added[i]!));
        sub.next = Math.max(sub.next, first + added.length);
      } catch {
        this.drop(sub.ws);
      }
    }
  }

  /** Ends every subscription to a stream with the frame `last` makes for its request (end or error). */
  close(streamId: string, last: (requestId: string) => string): void {
    const list = this.#index().get(streamId) ?? [];
    this.#index().delete(streamId);
    for (const sub of list) {
      this.send(sub.ws, last(sub.requestId));
      this.#persist(sub.ws, (subs) => subs.filter((s) => s.r !== sub.requestId));
    }
  }

  /** Sends one frame; false when the socket is gone (then it is dropped). */
  send(ws: WebSocket, frame: string): boolean {
    try {
      ws.send(frame);
      return true;
    } catch {
      this.drop(ws);
      return false;
    }
  }

  /** Forgets every subscription of a closed socket. */
  drop(ws: WebSocket): void {
    for (const [streamId, list] of this.#index()) {
      const kept = list.filter((s) => s.ws !== ws);
      if (kept.length === 0) this.#index().delete(streamId);
      else if (kept.length !== list.length) this.#index().set(streamId, kept);
    }
  }

  /** Subscriptions by stream, rebuilt from the attachments after the object woke up. */
  #index(): Map<string, Subscription[]> {
    if (this.#byStream !== null) return this.#byStream;
    const index = new Map<string, Subscription[]>();
    for (const ws of this.#ctx.getWebSockets(CHAT_TAG)) {
      for (const s of attachmentOf(ws).subs) {
        const list = index.get(s.s) ?? [];
        list.push({ ws, requestId: s.r, streamId: s.s, next: s.n });
        index.set(s.s, list);
      }
    }
    return (this.#byStream = index);
  }

  #persist(ws: WebSocket, change: (subs: ChatAttachment["subs"]) => ChatAttachment["subs"]): void {
    try {
      ws.serializeAttachment({ ch: CHAT_TAG, subs: change(attachmentOf(ws).subs) } satisfies ChatAttachment);
    } catch {
      // The socket closed; its subscriptions go with it.
    }
  }
}

function attachmentOf(ws: WebSocket): ChatAttachment {
  const parsed = ChatAttachment.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : { ch: CHAT_TAG, subs: [] };
}
