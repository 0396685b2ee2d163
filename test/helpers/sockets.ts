// WebSocket helpers for in-runtime streaming tests: tickets, sockets opened through the Worker's fetch
// handler, and a frame queue a test awaits (frames arrive through the runtime, never by sleeping).
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { LiveFrame } from "../../src/engine/index.ts";
import { call } from "./http.ts";

export async function ticketFor(threadId: string): Promise<string> {
  const res = await call("POST", `/api/threads/${threadId}/ws-ticket`);
  expect(res.status).toBe(201);
  return ((await res.json()) as { ticket: string }).ticket;
}

export function upgrade(path: string): Promise<Response> {
  return exports.default.fetch(new Request(`http://stepwise.test${path}`, { headers: { upgrade: "websocket" } }));
}

export type Frame = {
  type: string;
  requestId?: string;
  sequence?: number;
  chunk?: { type: string; delta?: string; messageId?: string };
  errorText?: string;
  [k: string]: unknown;
};

/** A client socket that queues what it receives. */
export class TestSocket {
  readonly ws: WebSocket;
  readonly received: Frame[] = [];
  #waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  #read = 0;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      const frame = JSON.parse(String(e.data)) as Frame;
      this.received.push(frame);
      for (const w of [...this.#waiters]) {
        if (w.pred(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
  }

  static async open(threadId: string, channel: "ws" | "events" = "ws"): Promise<TestSocket> {
    const res = await upgrade(`/api/threads/${threadId}/${channel}?ticket=${encodeURIComponent(await ticketFor(threadId))}`);
    expect(res.status).toBe(101);
    return new TestSocket(res.webSocket!);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (received or to come) after those already taken that matches. */
  next(pred: (f: Frame) => boolean = () => true): Promise<Frame> {
    for (let i = this.#read; i < this.received.length; i++) {
      if (pred(this.received[i]!)) {
        this.#read = i + 1;
        return Promise.resolve(this.received[i]!);
      }
    }
    return new Promise((resolve) =>
      this.#waiters.push({
        pred,
        resolve: (f) => {
          this.#read = this.received.length;
          resolve(f);
        },
      }),
    );
  }

  /** Every frame of `requestId` up to and including its last one (end, error or no-active). */
  async untilDone(requestId: string): Promise<Frame[]> {
    await this.next((f) => f.requestId === requestId && (f.type === "end" || f.type === "error" || f.type === "no-active"));
    return this.received.filter((f) => f.requestId === requestId);
  }

  close(): void {
    this.ws.close(1000, "done");
  }
}

export const sendFrame = (requestId: string, text: string, messageId = `u_${requestId}`) => ({
  type: "send",
  requestId,
  id: "chat",
  trigger: "submit-message",
  messages: [{ id: messageId, role: "user", parts: [{ type: "text", text }] }],
  headers: {},
  body: {},
});

export const resumeFrame = (requestId: string, opts: { lastSequence?: number; streamId?: string } = {}) => ({
  type: "resume",
  requestId,
  id: "chat",
  ...(opts.lastSequence === undefined ? {} : { lastSequence: opts.lastSequence }),
  headers: {},
  body: opts.streamId === undefined ? {} : { streamId: opts.streamId },
});

/** The chunks of a request's frames, checked to count from `from` with no gap. */
export function chunksOf(frames: Frame[], from = 0): NonNullable<Frame["chunk"]>[] {
  const chunks = frames.filter((f) => f.type === "chunk");
  expect(chunks.map((f) => f.sequence)).toEqual(chunks.map((_, i) => from + i));
  return chunks.map((f) => f.chunk!);
}

export function textOf(chunks: { type: string; delta?: string }[]): string {
  return chunks
    .filter((c) => c.type === "text-delta")
    .map((c) => c.delta)
    .join("");
}

/** The run list's live socket, from the answer to its upgrade: the frames it received, a wait for one, a close. */
export interface LiveList {
  frames: LiveFrame[];
  next: (pred: (f: LiveFrame) => boolean) => Promise<LiveFrame>;
  close: () => void;
}

export function liveList(res: Response): LiveList {
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const frames: LiveFrame[] = [];
  const waiters: { pred: (f: LiveFrame) => boolean; resolve: (f: LiveFrame) => void }[] = [];
  ws.addEventListener("message", (m) => {
    const frame = JSON.parse(String(m.data)) as LiveFrame;
    frames.push(frame);
    for (const w of [...waiters]) if (w.pred(frame)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(frame);
  });
  ws.accept();
  return {
    frames,
    next: (pred) => {
      const seen = frames.find(pred);
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: () => ws.close(1000, "done"),
  };
}
