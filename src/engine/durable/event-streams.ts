// A run's event log as live streams: SSE responses and hibernatable WebSockets, each resuming after a
// sequence number. Events are read back from storage in order, so a reader sees no gap and no repeat.
import type { RunEvent, RunStore } from "./run-store.ts";

const BATCH = 500;
/** Events an SSE reader may have sent but not read; past it, its pump waits for the reader. */
export const SSE_QUEUE_EVENTS = 64;
const encoder = new TextEncoder();

interface SseReader {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  lastSeq: number;
  /** A pump is running for this reader; a flush meanwhile only asks it for another pass. */
  pumping: boolean;
  again: boolean;
  finished: boolean;
  gone: boolean;
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

  /** A socket closed or failed: count again (a socket may report both, and must not be counted twice). */
  socketClosed(): void {
    this.#sockets = this.#ctx.getWebSockets().length;
  }

  /** Serves `GET /events` (SSE, resuming after Last-Event-ID or ?after) and `GET /ws` (a WebSocket, ?after). */
  serve(request: Request, finished: boolean): Response {
    const url = new URL(request.url);
    const after = Number(request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? 0);
    const from = Number.isSafeInteger(after) && after > 0 ? after : 0;
    if (url.pathname.endsWith("/ws")) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return Response.json({ code: "request.invalid", message: "expected a WebSocket upgrade" }, { status: 426 });
      }
      return this.openWebSocket(from, finished);
    }
    return this.openSse(from, finished);
  }

  /** How far each SSE reader's pump got (the last event seq sent): for tests and diagnostics. */
  get sseProgress(): number[] {
    return [...this.#sse].map((r) => r.lastSeq);
  }

  /**
   * An SSE response with every event after `after`, then live ones; it ends after the run's end. Events
   * are read from storage only as fast as the client reads them (at most SSE_QUEUE_EVENTS queued), so
   * an idle reader of a long run costs a bounded amount of memory.
   */
  openSse(after: number, finished: boolean): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, new CountQueuingStrategy({ highWaterMark: SSE_QUEUE_EVENTS }));
    const reader: SseReader = { writer: writable.getWriter(), lastSeq: after, pumping: false, again: false, finished: false, gone: false };
    this.#sse.add(reader);
    void reader.writer.write(encoder.encode(": stream of run events; reconnect with Last-Event-ID to resume\n\n")).catch(() => {});
    void this.#pumpSse(reader, finished);
    reader.writer.closed.catch(() => this.#drop(reader));
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
    for (const reader of this.#sse) void this.#pumpSse(reader, finished);
    for (const ws of this.#ctx.getWebSockets()) this.#pumpSocket(ws, finished);
  }

  /** Sends the reader what it has not seen, waiting for it to read; one pump per reader at a time. */
  async #pumpSse(reader: SseReader, finished: boolean): Promise<void> {
    reader.finished ||= finished;
    if (reader.pumping) {
      reader.again = true;
      return;
    }
    reader.pumping = true;
    try {
      do {
        reader.again = false;
        for (const e of this.#read(reader.lastSeq)) {
          await reader.writer.ready; // rejects once the client went away
          if (reader.gone) return;
          void reader.writer.write(encoder.encode(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)).catch(() => this.#drop(reader));
          reader.lastSeq = e.seq;
        }
      } while (reader.again);
      if (reader.finished) {
        this.#drop(reader);
        await reader.writer.close();
      }
    } catch {
      this.#drop(reader);
    } finally {
      reader.pumping = false;
    }
  }

  #drop(reader: SseReader): void {
    reader.gone = true;
    this.#sse.delete(reader);
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
