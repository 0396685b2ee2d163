// A run's event log as live streams: SSE responses and hibernatable WebSockets, each resuming after a
// sequence number. Events are read back from storage in order, so a reader sees no gap and no repeat.
import type { RunEvent, RunStore } from "./run-store.ts";

const BATCH = 500;
const encoder = new TextEncoder();

interface SseReader {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  lastSeq: number;
}

export class EventStreams {
  readonly #ctx: DurableObjectState;
  readonly #store: RunStore;
  readonly #sse = new Set<SseReader>();

  constructor(ctx: DurableObjectState, store: RunStore) {
    this.#ctx = ctx;
    this.#store = store;
    this.#sockets = ctx.getWebSockets().length;
  }

  /** Open sockets; counted here so the hot path never asks the runtime. Hibernation keeps sockets, so start from its count. */
  #sockets: number;

  get listening(): boolean {
    return this.#sse.size > 0 || this.#sockets > 0;
  }

  socketClosed(): void {
    this.#sockets = Math.max(0, this.#sockets - 1);
  }

  /** An SSE response with every event after `after`, then live ones; it ends after the run's end. */
  openSse(after: number, finished: boolean): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const reader: SseReader = { writer: writable.getWriter(), lastSeq: after };
    this.#sse.add(reader);
    void reader.writer.write(encoder.encode(": stream of run events; reconnect with Last-Event-ID to resume\n\n"));
    this.#pumpSse(reader, finished);
    reader.writer.closed.catch(() => this.#sse.delete(reader));
    return new Response(readable, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  /** A WebSocket (hibernation API) that receives every event after `after`, then live ones. */
  openWebSocket(after: number, finished: boolean): Response {
    const pair = new WebSocketPair();
    const server = pair[1];
    this.#ctx.acceptWebSocket(server);
    this.#sockets++;
    server.serializeAttachment({ lastSeq: after });
    this.#pumpSocket(server, finished);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Sends every reader what it has not seen; closes readers once the run ended and they have it all. */
  flush(finished: boolean): void {
    for (const reader of this.#sse) this.#pumpSse(reader, finished);
    for (const ws of this.#ctx.getWebSockets()) this.#pumpSocket(ws, finished);
  }

  #pumpSse(reader: SseReader, finished: boolean): void {
    for (const e of this.#read(reader.lastSeq)) {
      void reader.writer.write(encoder.encode(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)).catch(() => this.#sse.delete(reader));
      reader.lastSeq = e.seq;
    }
    if (finished) {
      this.#sse.delete(reader);
      void reader.writer.close().catch(() => {});
    }
  }

  #pumpSocket(ws: WebSocket, finished: boolean): void {
    // SAFETY: every socket this object accepts gets a `{ lastSeq }` attachment before any pump.
    const state = (ws.deserializeAttachment() ?? { lastSeq: 0 }) as { lastSeq: number };
    let lastSeq = state.lastSeq;
    try {
      for (const e of this.#read(lastSeq)) {
        ws.send(JSON.stringify(e));
        lastSeq = e.seq;
      }
      ws.serializeAttachment({ lastSeq });
      if (finished) ws.close(1000, "run finished");
    } catch {
      // The socket closed under us; the client resumes with ?after=<last seq it saw>.
    }
  }

  *#read(after: number): Generator<RunEvent> {
    for (let from = after; ; ) {
      const batch = this.#store.eventsAfter(from, BATCH);
      yield* batch;
      if (batch.length < BATCH) return;
      from = batch.at(-1)!.seq;
    }
  }
}
