// What the step machine's decisions are made of: storage writes, what the handler sees next, and the
// helpers every part of the machine shares. Pure: no storage, no clock.
import { decodePayload, jsonColumn, SerializedError, StepwiseError, type IssueDetail, type JsonSchema } from "../../kernel/index.ts";
import type { JournalEntry, NewStep, StepPatch, TimerKind } from "./journal.ts";
import type { UsageEntry } from "./usage.ts";

/** One change to the run's storage; a transition's writes form one transaction. */
export type StepWrite =
  | { op: "insertStep"; step: NewStep }
  /** `event: false` for a bookkeeping change clients need not see (the event for it follows from the step). */
  | { op: "updateStep"; seq: number; patch: StepPatch; at: number; event?: false }
  | { op: "setTimer"; kind: TimerKind; seq: number; at: number }
  | { op: "deleteTimer"; kind: TimerKind; seq: number }
  | { op: "deleteStepTimers"; seq: number }
  | { op: "consumeSignal"; signalId: number; seq: number }
  /** A buffered signal the wait at `seq` would have taken fails its schema: taken off the buffer, refused, never delivered. */
  | { op: "refuseSignal"; signalId: number; seq: number; issues: IssueDetail[]; at: number }
  /** The token usage attempt `attempt` reported, journaled with its outcome (before the step's update, whose event carries it). */
  | { op: "recordUsage"; seq: number; attempt: number; entries: readonly UsageEntry[] };

/** What the handler's step call does once the writes are durable. */
export type Next =
  /** Resolve the step's promise with this value. */
  | { type: "return"; value: unknown }
  /** Reject it with this error. */
  | { type: "throw"; error: SerializedError }
  /** Wait: a timer, a signal, a child's outcome or a lost race settles the step later. */
  | { type: "park" }
  /** Run attempt `attempt` of the step's function now. */
  | { type: "attempt"; attempt: number }
  /** Wait for the retry timer (`attempt` attempts have failed), then take `retryDue`. */
  | { type: "retryLater"; attempt: number }
  /** Wait for the child run, starting it (idempotently) first. */
  | { type: "child"; childRunId: string; workflow: string }
  /** The journal was written by other code: the run fails with this error. */
  | { type: "nonDeterminism"; error: SerializedError };

export interface Transition {
  writes: StepWrite[];
  next: Next;
}

/** A signal buffered for a wait, as the store finds it. `payload` null: the sender omitted it. */
export interface BufferedSignal {
  id: number;
  payload: string | null;
}

/**
 * What a wait with a schema accepts: the schema as JSON Schema (journaled with the wait, so the run object
 * can check a signal without the handler), and the handler's full check (the JSON Schema, then the zod
 * schema itself, refinements included): the issues, or null when it accepts the payload.
 */
export interface SignalContract {
  readonly jsonSchema: JsonSchema;
  check(payload: unknown): IssueDetail[] | null;
}

/** The payload a wait receives from a signal: an omitted one is `true`, so that `null` only ever means a timeout. */
export function deliveredPayload(signal: BufferedSignal): string {
  return signal.payload ?? "true";
}

/** Why a wait with a schema refuses a signal whose payload was omitted (however `true` would fare). */
export const OMITTED_PAYLOAD: IssueDetail = { path: [], message: "required: this wait has a schema, so the payload may not be omitted" };

/** No writes (shared: never mutated). */
export const NO_WRITES: StepWrite[] = [];
/** Wait, writing nothing. */
export const PARK: Transition = { writes: NO_WRITES, next: { type: "park" } };

/** The error journaled in a failed, canceled or abandoned row (or a failed run's row). */
export function journaledError(text: string | null, column = "steps.error"): SerializedError {
  return jsonColumn(SerializedError, text, column);
}

/** The error of a sleep or wait that lost its race. */
export function abandonedError(seq: number): SerializedError {
  return { code: "step.abandoned", message: `step ${seq} lost a Promise.race (or its Promise.all failed) and stopped waiting`, retryable: false };
}

/** A payload that cannot be journaled, as the error its step fails with. */
export function payloadError(err: unknown): SerializedError {
  return (err instanceof StepwiseError ? err : new StepwiseError("step.payload_not_serializable", String(err))).toJSON();
}

/** The step fails with `error`; its timers go with it. */
export function failStep(seq: number, now: number, error: SerializedError): Transition {
  return {
    writes: [
      { op: "updateStep", seq, patch: { status: "failed", error: JSON.stringify(error), completedAt: now }, at: now },
      { op: "deleteStepTimers", seq },
    ],
    next: { type: "throw", error },
  };
}

/** How a parked step's promise settles, from its journal row after a transition. */
export function settlement(record: Pick<JournalEntry, "status" | "result" | "error">): { ok: true; value: unknown } | { ok: false; error: SerializedError } {
  if (record.status === "completed") return { ok: true, value: decodePayload(record.result) };
  if (record.status === "running") return { ok: true, value: undefined }; // a retry backoff ended
  return { ok: false, error: journaledError(record.error) };
}

/** Whether applying `writes` changes the run's timers (so its alarm must be re-aimed). */
export function touchesTimers(writes: readonly StepWrite[]): boolean {
  return writes.some((w) => w.op === "setTimer" || w.op === "deleteTimer" || w.op === "deleteStepTimers");
}
