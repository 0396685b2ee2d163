// The journal's record types and the replay decision for one step call: pure, no storage.
// The run object loads rows, asks `matchStep` what to do, and performs the decision.
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
  if (typeof seq !== "number" || typeof name !== "string" || typeof kind !== "string" || !KINDS.has(kind) || typeof status !== "string" || !STATUSES.has(status) || typeof attempts !== "number") {
    throw new StepwiseError("step.corrupt_journal", `journal row ${String(seq)} is malformed`);
  }
  const text = (v: unknown) => (v === null || typeof v === "string" ? v : bad(seq));
  // SAFETY: kind and status were checked against the enums' own option sets just above.
  return { seq, name, kind: kind as StepKind, status: status as StepStatus, attempts, result: text(result), error: text(error), detail: text(detail) };
}

function bad(seq: number): never {
  throw new StepwiseError("step.corrupt_journal", `journal row ${seq} is malformed`);
}

export type StepDecision =
  | { type: "execute" } // nothing journaled at this seq: run the step for the first time
  | { type: "resolve"; record: JournalEntry } // completed: return the journaled result
  | { type: "reject"; record: JournalEntry } // failed: throw the journaled error
  | { type: "resume"; record: JournalEntry } // started but unfinished: pick up where it was
  | { type: "abandoned"; record: JournalEntry } // lost its race: never settles again (as when it was abandoned)
  | { type: "mismatch"; error: StepwiseError };

/**
 * Decides what a step call at `seq` does, given the journal row at that seq (if any).
 * A row whose name or kind differs means the handler is not the code that wrote the journal.
 */
export function matchStep(seq: number, call: { kind: StepKind; name: string }, record: JournalEntry | undefined): StepDecision {
  if (record === undefined) return { type: "execute" };
  if (record.kind !== call.kind || record.name !== call.name) {
    return { type: "mismatch", error: nonDeterminism(seq, `${record.kind} "${record.name}"`, `${call.kind} "${call.name}"`) };
  }
  switch (record.status) {
    case "completed":
      return { type: "resolve", record };
    case "failed":
    case "canceled":
      return { type: "reject", record };
    case "abandoned":
      return { type: "abandoned", record };
    default:
      return { type: "resume", record };
  }
}

export function nonDeterminism(seq: number, expected: string, actual: string): StepwiseError {
  return new StepwiseError(
    "step.non_determinism",
    `non-determinism at step ${seq}: the journal has ${expected}, the handler now calls ${actual}`,
    { details: { seq, expected, actual } },
  );
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
