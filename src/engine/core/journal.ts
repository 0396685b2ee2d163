// The journal's record types and the replay decision for one step call: pure, no storage.
// The run object loads rows, asks `matchStep` what to do, and performs the decision.
import { z } from "zod";
import { StepwiseError } from "./errors.ts";

export const StepKind = z.enum(["action", "mutation", "run", "sleep", "signal", "workflow", "now", "random", "uuid"]);
export type StepKind = z.infer<typeof StepKind>;

/** `running`: executing; `retrying`: waiting out a backoff; `sleeping` / `waiting`: blocked on a timer / signal or child. */
export const StepStatus = z.enum(["running", "retrying", "sleeping", "waiting", "completed", "failed", "canceled"]);
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

export type StepDecision =
  | { type: "execute" } // nothing journaled at this seq: run the step for the first time
  | { type: "resolve"; record: StepRecord } // completed: return the journaled result
  | { type: "reject"; record: StepRecord } // failed: throw the journaled error
  | { type: "resume"; record: StepRecord } // started but unfinished: pick up where it was
  | { type: "mismatch"; error: StepwiseError };

/**
 * Decides what a step call at `seq` does, given the journal row at that seq (if any).
 * A row whose name or kind differs means the handler is not the code that wrote the journal.
 */
export function matchStep(seq: number, call: { kind: StepKind; name: string }, record: StepRecord | undefined): StepDecision {
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
