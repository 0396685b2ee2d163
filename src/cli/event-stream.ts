// Following a run's events (GET /api/runs/:runId/events, SSE) from the command line: frames split as they
// arrive (eventsource-parser), each event parsed, and the stream reopened after the last seq seen if it ends before the run does.
import { EventSourceParserStream } from "eventsource-parser/stream";
import { z } from "zod";
import { type Api, open, send } from "./api.ts";
import type { Connection } from "./config.ts";
import { CliError, EXIT } from "./exit-codes.ts";

export const RunEvent = z.object({ seq: z.number().int(), type: z.string(), at: z.number(), data: z.record(z.string(), z.unknown()) });
export type RunEvent = z.infer<typeof RunEvent>;

/** How long to wait before reopening a stream that ended early, and how many such ends in a row are given up on. */
const REOPEN_DELAY_MS = 500;
const MAX_EMPTY_REOPENS = 10;

export interface FollowOptions {
  conn: Connection;
  api: Api;
  runId: string;
  /** Events after this seq (0: from the first). */
  after: number;
  onEvent: (event: RunEvent) => void;
  /** Waits between reopens (a timer; tests pass one that does not wait). */
  sleep: (ms: number) => Promise<void>;
}

/**
 * Follows a run's events until it ends, calling onEvent for each; resolves with the run's final status.
 * A stream that ends early (a server restart) is reopened after the last seq seen, so no event is lost or repeated.
 */
export async function followEvents({ conn, api, runId, after, onEvent, sleep }: FollowOptions): Promise<string> {
  let last = after;
  let emptyReopens = 0;
  for (;;) {
    const before = last;
    const headers: Record<string, string> = last > 0 ? { "last-event-id": String(last) } : {};
    const res = await open(conn, api.runs[":runId"].events.$get({ param: { runId } }, { headers }));
    if (res.body === null) throw new CliError(EXIT.unreachable, `error: ${conn.url} sent no event stream`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    try {
      for (;;) {
        // A connection that drops (the server restarts) ends this stream: it is reopened below.
        const message = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (message.done) break;
        const event = parseEvent(conn, message.value.data);
        last = event.seq;
        onEvent(event);
        if (event.type === "run.finished") return String(event.data.status);
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
    // The stream ended before run.finished: the run may have ended before `after` (nothing left to send), or the server went away.
    const { body: run } = await send(conn, api.runs[":runId"].$get({ param: { runId }, query: { steps: "none" } }));
    if (run.completedAt !== null) return run.status;
    emptyReopens = last === before ? emptyReopens + 1 : 0;
    if (emptyReopens >= MAX_EMPTY_REOPENS) throw new CliError(EXIT.unreachable, `error: the event stream of ${runId} keeps closing before the run ends`);
    await sleep(REOPEN_DELAY_MS);
  }
}

/** An event of the stream; one that does not parse is the server's fault (exit 3). */
function parseEvent(conn: Connection, data: string): RunEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    raw = undefined;
  }
  const parsed = RunEvent.safeParse(raw);
  if (!parsed.success) throw new CliError(EXIT.unreachable, `error: ${conn.url} sent an event that is not one: ${data.slice(0, 200)}`);
  return parsed.data;
}
