// The step machine, when the handler calls a step: replay the journal's row, resume a step the journal
// has open (an interrupted attempt, a backoff, a wait), or start a new one. Pure: the clock comes in.
import { decodePayload, encodePayload, jsonColumn, type Clock, type SerializedError } from "../../kernel/index.ts";
import { ChildDetail, nonDeterminism, SignalDetail, type JournalEntry, type NewStep, type StepKind } from "./journal.ts";
import { rerunsInterrupted, resolveRetry, type RetryOption } from "./retry.ts";
import { retryDue } from "./step-attempts.ts";
import { deliverSignal } from "./step-wakeups.ts";
import {
  abandonedError,
  deliveredPayload,
  failStep,
  journaledError,
  NO_WRITES,
  OMITTED_PAYLOAD,
  PARK,
  payloadError,
  type BufferedSignal,
  type SignalContract,
  type StepWrite,
  type Transition,
} from "./transition.ts";

/** A step call as the journal sees it (the handler's `StepCall` without its function and pool). */
export type CallShape =
  | { kind: "action" | "mutation" | "run"; name: string; args: unknown; retry?: RetryOption | undefined; timeout?: number | undefined }
  | { kind: "sleep"; name: string; wake: { afterMs: number } | { at: number } }
  | { kind: "signal"; name: string; timeout?: number | undefined; contract?: SignalContract | undefined; marks?: SignalMarks | undefined }
  | { kind: "workflow"; name: string; workflow: { name: string }; args: unknown }
  | { kind: "now" | "random" | "uuid"; name: string };

/** A wait's marks for UIs (see SignalDetail): journaled, never matched. */
export interface SignalMarks {
  label?: string | undefined;
  forStep?: number | undefined;
}

export interface CallInput {
  seq: number;
  call: CallShape;
  /** The journal row at `seq`, if the journal has one (a replay). */
  journaled: JournalEntry | undefined;
  runId: string;
  /** The workflow's default retry option. */
  workflowRetry: RetryOption | undefined;
  /** Read only when the step starts or resumes: a replayed step costs no clock read. */
  clock: Clock;
  /** The step lost a Promise.race before it was journaled. */
  lostEarly: boolean;
  /**
   * The buffered signal a wait on `name` at `seq` would take, passing over the signals in `skip` (refused
   * by this wait's schema in this transition). Asked only for signal waits.
   */
  bufferedSignal(name: string, seq: number, skip: readonly number[]): BufferedSignal | undefined;
}

/** What a step call does: replay the journal's row, resume an unfinished step, or start a new one. */
export function onCall(input: CallInput): Transition {
  const { seq, call, journaled: record } = input;
  if (record === undefined) {
    if (input.lostEarly && (call.kind === "sleep" || call.kind === "signal")) return startAbandoned(seq, call, input.clock.now());
    return start(input);
  }
  return replayed(seq, call, record) ?? resume(input, record);
}

/**
 * A journaled row meets the handler's call: a settled step answers as journaled, a different name or
 * kind is non-determinism, and an open row is null (it resumes: see `onCall`). The run object asks
 * this first while it replays, so a long replay pays only for this, and reads no clock.
 */
export function replayed(seq: number, call: { kind: StepKind; name: string }, record: JournalEntry): Transition | null {
  if (record.kind !== call.kind || record.name !== call.name) {
    return {
      writes: NO_WRITES,
      next: { type: "nonDeterminism", error: nonDeterminism(seq, `${record.kind} "${record.name}"`, `${call.kind} "${call.name}"`).toJSON() },
    };
  }
  switch (record.status) {
    case "completed":
      return { writes: NO_WRITES, next: { type: "return", value: decodePayload(record.result) } };
    case "failed":
    case "canceled":
      return { writes: NO_WRITES, next: { type: "throw", error: journaledError(record.error) } };
    case "abandoned":
      // It lost its race before: it settles as it did then, rejected when its race settles again.
      return PARK;
    default:
      return null;
  }
}

/** A step the journal has not seen. */
function start(input: CallInput): Transition {
  const { seq, call } = input;
  const now = input.clock.now();
  switch (call.kind) {
    case "now":
    case "random":
    case "uuid": {
      const value = call.kind === "now" ? now : call.kind === "random" ? input.clock.random() : input.clock.uuid();
      const step: NewStep = {
        seq,
        name: call.name,
        kind: call.kind,
        status: "completed",
        attempts: 1,
        args: null,
        result: JSON.stringify(value),
        now,
        completedAt: now,
      };
      return { writes: [{ op: "insertStep", step }], next: { type: "return", value } };
    }
    case "sleep": {
      const wakeAt = "afterMs" in call.wake ? now + call.wake.afterMs : call.wake.at;
      if (wakeAt <= now) {
        const step: NewStep = { seq, name: call.name, kind: "sleep", status: "completed", attempts: 1, args: null, now, completedAt: now, wakeAt };
        return { writes: [{ op: "insertStep", step }], next: { type: "return", value: undefined } };
      }
      const step: NewStep = { seq, name: call.name, kind: "sleep", status: "sleeping", attempts: 1, args: null, now, wakeAt };
      return {
        writes: [
          { op: "insertStep", step },
          { op: "setTimer", kind: "sleep", seq, at: wakeAt },
        ],
        next: { type: "park" },
      };
    }
    case "signal": {
      const timeoutAt = call.timeout === undefined ? null : now + Math.max(0, call.timeout);
      const detail = signalDetail(call.name, timeoutAt, call.contract?.jsonSchema, call.marks);
      const { refusals, signal } = takeBuffered(input, call, seq, now);
      if (signal !== undefined) {
        const result = deliveredPayload(signal);
        const step: NewStep = { seq, name: call.name, kind: "signal", status: "completed", attempts: 1, args: null, result, now, completedAt: now, detail };
        return {
          writes: [...refusals, { op: "consumeSignal", signalId: signal.id, seq }, { op: "insertStep", step }],
          next: { type: "return", value: decodePayload(result) },
        };
      }
      const step: NewStep = { seq, name: call.name, kind: "signal", status: "waiting", attempts: 1, args: null, now, wakeAt: timeoutAt, detail };
      const writes: StepWrite[] = [...refusals, { op: "insertStep", step }];
      if (timeoutAt !== null) writes.push({ op: "setTimer", kind: "signal_timeout", seq, at: timeoutAt });
      return { writes, next: { type: "park" } };
    }
    case "workflow": {
      const args = encodeArgs(seq, call, now, `args of child workflow "${call.name}"`);
      if (typeof args !== "string" && args !== null) return args;
      const childRunId = `${input.runId}.${seq}`;
      const detail = JSON.stringify({ childRunId, workflow: call.workflow.name });
      const step: NewStep = { seq, name: call.name, kind: "workflow", status: "waiting", attempts: 1, args, now, detail };
      return { writes: [{ op: "insertStep", step }], next: { type: "child", childRunId, workflow: call.workflow.name } };
    }
    case "action":
    case "mutation":
    case "run": {
      const args = encodeArgs(seq, call, now, `args of step "${call.name}"`);
      if (typeof args !== "string" && args !== null) return args;
      const step: NewStep = { seq, name: call.name, kind: call.kind, status: "running", attempts: 1, args, now };
      return { writes: [{ op: "insertStep", step }], next: { type: "attempt", attempt: 1 } };
    }
  }
}

/**
 * The buffered signal the wait at `seq` takes: the first its schema accepts. Each one before it that the
 * schema refuses is refused for good (it never reaches the handler), as the API refuses such a payload
 * to a wait that is already journaled; so a wait never takes a payload its schema refuses.
 */
function takeBuffered(
  input: CallInput,
  call: { name: string; contract?: SignalContract | undefined },
  seq: number,
  now: number,
): { refusals: StepWrite[]; signal?: BufferedSignal } {
  const refusals: StepWrite[] = [];
  const skip: number[] = [];
  for (;;) {
    const signal = input.bufferedSignal(call.name, seq, skip);
    if (signal === undefined || call.contract === undefined) return signal === undefined ? { refusals } : { refusals, signal };
    const issues = signal.payload === null ? [OMITTED_PAYLOAD] : call.contract.check(decodePayload(signal.payload));
    if (issues === null) return { refusals, signal };
    refusals.push({ op: "refuseSignal", signalId: signal.id, seq, issues, at: now });
    skip.push(signal.id);
  }
}

/** A signal wait's `detail` (SignalDetail): undefined parts are left out, so a wait without marks journals as it always did. */
function signalDetail(signal: string, timeoutAt: number | null, schema: Record<string, unknown> | undefined, marks: SignalMarks | undefined): string {
  return JSON.stringify({ signal, timeoutAt, schema, label: marks?.label, forStep: marks?.forStep });
}

/**
 * A replayed wait whose schema (or marks) the code now running changed (a deploy): the journal takes the
 * new ones, so that the run object checks signals against what this code accepts, with or without it in
 * memory, and a UI sees what this code says the wait is. Matching never looks at them.
 */
function reschema(
  record: JournalEntry,
  call: { kind: "signal"; name: string; contract?: SignalContract | undefined; marks?: SignalMarks | undefined },
  now: number,
): StepWrite[] {
  if (record.status !== "waiting" || record.detail === null) return [];
  const journaled = jsonColumn(SignalDetail, record.detail, "steps.detail");
  const detail = signalDetail(journaled.signal, journaled.timeoutAt, call.contract?.jsonSchema, call.marks);
  const marks = { label: journaled.label, forStep: journaled.forStep };
  if (detail === signalDetail(journaled.signal, journaled.timeoutAt, journaled.schema, marks)) return [];
  return [{ op: "updateStep", seq: record.seq, patch: { status: "waiting", detail }, at: now, event: false }];
}

/** Args that cannot be journaled fail the step, journaled as failed so that a replay agrees. */
function encodeArgs(seq: number, call: { kind: StepKind; name: string; args: unknown }, now: number, what: string): string | null | Transition {
  try {
    return encodePayload(call.args, what);
  } catch (err) {
    const error = payloadError(err);
    const step: NewStep = {
      seq,
      name: call.name,
      kind: call.kind,
      status: "failed",
      attempts: 0,
      args: null,
      error: JSON.stringify(error),
      now,
      completedAt: now,
    };
    return { writes: [{ op: "insertStep", step }], next: { type: "throw", error } };
  }
}

/** A sleep or wait that lost its race before it was journaled: journaled abandoned, never started. */
function startAbandoned(seq: number, call: { kind: "sleep" | "signal"; name: string }, now: number): Transition {
  const error = abandonedError(seq);
  const detail = call.kind === "signal" ? JSON.stringify({ signal: call.name, timeoutAt: null }) : null;
  const step: NewStep = {
    seq,
    name: call.name,
    kind: call.kind,
    status: "abandoned",
    attempts: 0,
    args: null,
    error: JSON.stringify(error),
    now,
    completedAt: now,
    detail,
  };
  return { writes: [{ op: "insertStep", step }], next: { type: "throw", error } };
}

/** A step the journal has open: started before the object lost its memory (or its code was replaced). */
function resume(input: CallInput, record: JournalEntry): Transition {
  const { seq, call } = input;
  const now = input.clock.now();
  switch (call.kind) {
    case "sleep":
      return PARK;
    case "signal": {
      // Signals are delivered into waiting steps as they arrive; one buffered by an engine that still
      // matched in memory (before a deploy) is taken here.
      const { refusals, signal } = takeBuffered(input, call, seq, now);
      const writes = [...reschema(record, call, now), ...refusals];
      if (signal === undefined) return writes.length === 0 ? PARK : { writes, next: { type: "park" } };
      return { writes: [...writes, ...deliverSignal(signal, seq, now)], next: { type: "return", value: decodePayload(deliveredPayload(signal)) } };
    }
    case "workflow": {
      const detail = jsonColumn(ChildDetail, record.detail, "steps.detail");
      return { writes: NO_WRITES, next: { type: "child", childRunId: detail.childRunId, workflow: detail.workflow } };
    }
    case "action":
    case "mutation":
    case "run":
      if (record.status === "retrying") return { writes: NO_WRITES, next: { type: "retryLater", attempt: record.attempts } };
      // `running` with n attempts: attempt n was interrupted by a crash or eviction (or its backoff
      // ended while the object was down and it never started). Either way it runs again as attempt
      // n+1, unless attempt n was the last one an interrupted step gets.
      if (!rerunsInterrupted(resolveRetry(call.retry, input.workflowRetry), record.attempts)) {
        return failStep(seq, now, {
          code: "step.interrupted",
          message: `attempt ${record.attempts} of step "${call.name}" was cut off (a crash, an eviction or a deploy) and the step has no attempts left`,
          retryable: false,
        });
      }
      return retryDue(seq, record.attempts, now);
    default:
      // now/random/uuid are journaled complete in the same write that creates them.
      return {
        writes: NO_WRITES,
        next: { type: "throw", error: { code: "step.corrupt_journal", message: `step ${seq} (${call.kind}) is open in the journal` } },
      };
  }
}

/**
 * The handler returned (or threw) with journal rows it never reached: the journal was written by other
 * code, and the run fails with `step.non_determinism` naming the first of them. Null when none is left.
 */
export function onHandlerEnd(unreached: Iterable<Pick<JournalEntry, "seq" | "kind" | "name">>): SerializedError | null {
  let first: Pick<JournalEntry, "seq" | "kind" | "name"> | undefined;
  for (const r of unreached) if (first === undefined || r.seq < first.seq) first = r;
  if (first === undefined) return null;
  return nonDeterminism(first.seq, `${first.kind} "${first.name}"`, "no step (the handler returned)").toJSON();
}
