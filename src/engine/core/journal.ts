// The journal's record types: rows, what a new row and a change of one hold, the details of waits and
// child steps, timer kinds. Pure, no storage; the rules over them are in step-machine.ts.
import { z } from "zod";
import { StepwiseError } from "../../kernel/index.ts";

export const StepKind = z.enum(["action", "mutation", "run", "sleep", "signal", "workflow", "now", "random", "uuid"]);
export type StepKind = z.infer<typeof StepKind>;

/**
 * `running`: executing; `retrying`: waiting out a backoff; `sleeping` / `waiting`: blocked on a timer /
 * signal or child; `abandoned`: a sleep or wait that lost a Promise.race (or whose Promise.all failed)
 * and stopped, so it takes no signal and holds no timer.
 */
export const StepStatus = z.enum(["running", "retrying", "sleeping", "waiting", "completed", "failed", "canceled", "abandoned"]);
export type StepStatus = z.infer<typeof StepStatus>;

export const StepRecord = z.object({
  seq: z.number().int(),
  name: z.string(),
  kind: StepKind,
  status: StepStatus,
  attempts: z.number().int(),
  args: z.string().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.number(),
  completedAt: z.number().nullable(),
  wakeAt: z.number().nullable(),
  detail: z.string().nullable(),
});
export type StepRecord = z.infer<typeof StepRecord>;

/** What a new journal row holds; `now` is its start (and its event's) time. */
export interface NewStep {
  seq: number;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  args: string | null;
  result?: string | null;
  error?: string | null;
  now: number;
  completedAt?: number | null;
  wakeAt?: number | null;
  detail?: string | null;
}

/** A change of a journal row: the new status and only the fields that change. */
export interface StepPatch {
  status: StepStatus;
  attempts?: number;
  result?: string | null;
  error?: string | null;
  completedAt?: number | null;
  wakeAt?: number | null;
  detail?: string | null;
}

/**
 * What a signal wait journals in `detail`: the signal it waits for, when it gives up, and the JSON
 * Schema of the payload it takes (from the wait's zod schema), which the run object checks signals
 * against without the handler in memory. `label` and `forStep` are marks for UIs (`SignalWaitMarks`):
 * rows journaled before them have neither, and replay never compares them.
 */
export const SignalDetail = z.object({
  signal: z.string(),
  timeoutAt: z.number().nullable(),
  schema: z.record(z.string(), z.unknown()).optional(),
  label: z.string().optional(),
  forStep: z.number().int().optional(),
});
export type SignalDetail = z.infer<typeof SignalDetail>;

/** What a child-workflow step journals in `detail`: the child's run id and workflow. */
export const ChildDetail = z.object({ childRunId: z.string(), workflow: z.string() });
export type ChildDetail = z.infer<typeof ChildDetail>;

/**
 * The durable timers of a run: a sleep's wake-up, a retry's backoff, a signal wait's timeout, an
 * attempt's timeout, the run's watchdog, and a finished run's end of retention.
 */
export const TimerKind = z.enum(["sleep", "retry", "signal_timeout", "step_timeout", "watchdog", "retention"]);
export type TimerKind = z.infer<typeof TimerKind>;

/** The part of a journal row that replay needs. */
export type JournalEntry = Pick<StepRecord, "seq" | "name" | "kind" | "status" | "attempts" | "result" | "error" | "detail">;

const KINDS = new Set<string>(StepKind.options);
const STATUSES = new Set<string>(StepStatus.options);

/**
 * Parses a raw `[seq, name, kind, status, attempts, result, error, detail]` row. Hand-written rather
 * than zod because replay reads every row of the journal and must stay fast at 10,000 steps.
 */
export function parseJournalRow(row: unknown[]): JournalEntry {
  const [seq, name, kind, status, attempts, result, error, detail] = row;
  if (
    typeof seq !== "number" ||
    typeof name !== "string" ||
    typeof kind !== "string" ||
    !KINDS.has(kind) ||
    typeof status !== "string" ||
    !STATUSES.has(status) ||
    typeof attempts !== "number"
  ) {
    throw new StepwiseError("step.corrupt_journal", `journal row ${String(seq)} is malformed`);
  }
  const text = (v: unknown) => (v === null || typeof v === "string" ? v : bad(seq));
  // SAFETY: kind and status were checked against the enums' own option sets just above.
  return { seq, name, kind: kind as StepKind, status: status as StepStatus, attempts, result: text(result), error: text(error), detail: text(detail) };
}

function bad(seq: number): never {
  throw new StepwiseError("step.corrupt_journal", `journal row ${seq} is malformed`);
}

export function nonDeterminism(seq: number, expected: string, actual: string): StepwiseError {
  return new StepwiseError("step.non_determinism", `non-determinism at step ${seq}: the journal has ${expected}, the handler now calls ${actual}`, {
    details: { seq, expected, actual },
  });
}

/** A run's live status from its unfinished steps: anything executing wins, then waits, then sleeps. */
export function liveStatus(open: Iterable<{ status: StepStatus }>): "running" | "sleeping" | "waiting" {
  let waiting = false;
  let sleeping = false;
  for (const s of open) {
    if (s.status === "running") return "running";
    if (s.status === "waiting") waiting = true;
    if (s.status === "sleeping" || s.status === "retrying") sleeping = true;
  }
  if (waiting) return "waiting";
  // A run with no open step is between steps, i.e. running its handler code.
  return sleeping ? "sleeping" : "running";
}
