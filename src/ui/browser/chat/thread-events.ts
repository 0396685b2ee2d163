// The thread's event socket (`/api/threads/:id/events`): when answers start and end and messages are
// saved. Frames are parsed; a closed socket reconnects with a fresh ticket, backing off to 10 s.
import * as z from "zod/mini";
import { mintTicket } from "./api.ts";

const AnswerInfo = z.object({
  streamId: z.string(),
  /** The answer's id (its UI message id); null only for answers streamed before answers had ids. */
  answerId: z.optional(z.nullable(z.string())),
  agentName: z.string(),
  promptMessageId: z.string(),
  producer: z.string(),
});
export type AnswerInfo = z.infer<typeof AnswerInfo>;

export const ThreadEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("thread.snapshot"), answers: z.array(AnswerInfo) }),
  z.object({ type: z.literal("answer.started"), answer: AnswerInfo }),
  z.object({ type: z.literal("answer.ended"), streamId: z.string(), answerId: z.optional(z.nullable(z.string())) }),
  z.object({ type: z.literal("messages.saved") }),
]);
export type ThreadEvent = z.infer<typeof ThreadEvent>;

/** What the page knows an answer by: its id (what its chunks announce and a resume names), else its stream's. */
export function answerKey(a: { streamId: string; answerId?: string | null | undefined }): string {
  return a.answerId ?? a.streamId;
}

export class ThreadEvents {
  readonly #threadId: string;
  readonly #onEvent: (e: ThreadEvent) => void;
  #retry = 0;

  constructor(threadId: string, onEvent: (e: ThreadEvent) => void) {
    this.#threadId = threadId;
    this.#onEvent = onEvent;
  }

  connect(): void {
    mintTicket(this.#threadId)
      .then((ticket) => {
        const url = new URL(`/api/threads/${encodeURIComponent(this.#threadId)}/events`, location.href);
        url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
        url.searchParams.set("ticket", ticket);
        const ws = new WebSocket(url);
        ws.onopen = () => {
          this.#retry = 0;
        };
        ws.onmessage = (m) => {
          const event = ThreadEvent.safeParse(JSON.parse(String(m.data)));
          // An event this page does not know (a newer server): skipped, the next reload catches up.
          if (event.success) this.#onEvent(event.data);
        };
        ws.onclose = () => this.#later();
      })
      .catch(() => this.#later());
  }

  #later(): void {
    setTimeout(() => this.connect(), Math.min(10_000, 250 * 2 ** this.#retry++));
  }
}
