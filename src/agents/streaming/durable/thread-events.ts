// A thread's own event stream for pages (not for transport clients, which get only protocol frames):
// a hibernatable WebSocket told when answers start and end and when messages are saved.
import type { StreamRow } from "./stream-store.ts";

export const EVENTS_TAG = "events";

/** An answer in flight, as events describe it. */
export interface AnswerInfo {
  streamId: string;
  agentName: string;
  promptMessageId: string;
  /** The answer's id: the UI message id its chunks build. */
  answerId: string | null;
  producer: string;
  runId: string | null;
  startedAt: number;
}

export type ThreadEvent =
  /** Sent first on every connection: what is in flight now, and how many messages the thread holds. */
  | { type: "thread.snapshot"; answers: AnswerInfo[]; messageCount: number }
  | { type: "answer.started"; answer: AnswerInfo }
  | { type: "answer.ended"; streamId: string; answerId: string | null; outcome: string; messageIds: string[] }
  | { type: "messages.saved"; messageCount: number }
  /** A tool call waits for a decision, or got one (`status`), e.g. for a page that lists what waits. */
  | { type: "approval.changed"; approvalId: string; answerId: string; status: string };

export class ThreadEvents {
  readonly #ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  accept(snapshot: Extract<ThreadEvent, { type: "thread.snapshot" }>): Response {
    const pair = new WebSocketPair();
    this.#ctx.acceptWebSocket(pair[1], [EVENTS_TAG]);
    pair[1].send(JSON.stringify(snapshot));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  isEvents(ws: WebSocket): boolean {
    return this.#ctx.getTags(ws).includes(EVENTS_TAG);
  }

  /** A tool call's approval changed state (asked, claimed by a run, decided, expired). */
  approvalChanged(a: { approvalId: string; answerId: string; status: string }): void {
    this.broadcast({ type: "approval.changed", approvalId: a.approvalId, answerId: a.answerId, status: a.status });
  }

  broadcast(event: ThreadEvent): void {
    const sockets = this.#ctx.getWebSockets(EVENTS_TAG);
    if (sockets.length === 0) return;
    const text = JSON.stringify(event);
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // Closed; webSocketClose cleans up.
      }
    }
  }
}

export function answerInfo(s: StreamRow): AnswerInfo {
  return {
    streamId: s.streamId,
    agentName: s.agentName,
    promptMessageId: s.promptMessageId,
    answerId: s.answerId,
    producer: s.producer,
    runId: s.runId,
    startedAt: s.startedAt,
  };
}
