// A step's attempts as spans of time, for the run timeline: from its journal row alone when it had one
// attempt, else rebuilt from its events (the row keeps only the latest attempt). Pure: rows in, spans out.
import type { StepKind, StepStatus } from "./journal.ts";

/**
 * How an attempt ended. `retrying`: it failed and a retry was scheduled (`retryAt`); `interrupted`: a
 * crash or eviction cut it off and the next attempt started without it reporting an end.
 */
export type AttemptOutcome = "running" | "completed" | "failed" | "retrying" | "interrupted" | "canceled" | "abandoned";

export interface AttemptSpan {
  attempt: number;
  startedAt: number;
  endedAt: number | null;
  outcome: AttemptOutcome;
  retryAt?: number;
  error?: { code: string; message: string };
}

/** The part of a journal row the spans come from; `error` already parsed. */
export interface AttemptRow {
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  startedAt: number;
  completedAt: number | null;
  wakeAt: number | null;
  error: { code: string; message: string } | null;
}

/** One `step.*` event of the step, in log order, with the fields the spans need. */
export interface AttemptEvent {
  type: string;
  at: number;
  attempt: number | null;
  until: number | null;
  error: { code: string; message: string } | null;
}

const RETRIED_KINDS: ReadonlySet<StepKind> = new Set(["action", "mutation", "run"]);

/**
 * Whether the row alone cannot say how its attempts went: more than one started, or a retry was scheduled
 * (an action-like step's `wakeAt` is only ever its backoff's end), in which case the first attempt's end
 * is in the events only.
 */
export function needsEvents(row: Pick<AttemptRow, "kind" | "attempts" | "wakeAt">): boolean {
  return row.attempts > 1 || (RETRIED_KINDS.has(row.kind) && row.wakeAt !== null);
}

const ROW_OUTCOME: Record<StepStatus, AttemptOutcome> = {
  running: "running",
  sleeping: "running",
  waiting: "running",
  retrying: "retrying",
  completed: "completed",
  failed: "failed",
  canceled: "canceled",
  abandoned: "abandoned",
};

/** The one attempt a row describes: from its start to its end. None for a step that never started one (bad args, a race lost first). */
export function attemptFromRow(row: AttemptRow): AttemptSpan[] {
  if (row.attempts === 0) return [];
  const outcome = ROW_OUTCOME[row.status];
  const span: AttemptSpan = { attempt: row.attempts, startedAt: row.startedAt, endedAt: row.completedAt, outcome };
  if (outcome === "retrying" && row.wakeAt !== null) span.retryAt = row.wakeAt;
  if (row.error !== null && (outcome === "failed" || outcome === "retrying" || outcome === "abandoned")) span.error = row.error;
  return [span];
}

/**
 * Every attempt of a step from its events: `step.started` opens one (closing a still-open one as
 * interrupted), the others close it. Falls back to the row when the events hold no start (a row a
 * restarted run kept from the run it restarts has no events here).
 */
export function attemptsFromEvents(row: AttemptRow, events: readonly AttemptEvent[]): AttemptSpan[] {
  const spans: AttemptSpan[] = [];
  let open: AttemptSpan | undefined;
  const close = (e: AttemptEvent, outcome: AttemptOutcome) => {
    if (open === undefined) return;
    open.endedAt = e.at;
    open.outcome = outcome;
    if (outcome === "retrying" && e.until !== null) open.retryAt = e.until;
    if (e.error !== null && outcome !== "completed" && outcome !== "canceled") open.error = e.error;
    open = undefined;
  };
  for (const e of events) {
    switch (e.type) {
      case "step.started":
        if (open !== undefined) {
          open.endedAt = e.at;
          open.outcome = "interrupted";
        }
        open = { attempt: e.attempt ?? spans.length + 1, startedAt: e.at, endedAt: null, outcome: "running" };
        spans.push(open);
        break;
      case "step.retrying":
        close(e, "retrying");
        break;
      case "step.completed":
        close(e, "completed");
        break;
      case "step.failed":
        close(e, "failed");
        break;
      case "step.canceled":
        close(e, "canceled");
        break;
      case "step.abandoned":
        close(e, "abandoned");
        break;
    }
  }
  return spans.length === 0 ? attemptFromRow(row) : spans;
}
