// The rules of the journal as a pure state machine. Given a step's journal row, what reached the step
// (the handler's call, an attempt's outcome, a timer, a signal, a child's outcome, a lost race) and the
// time, it decides the journal writes and what the handler sees next. The run object applies the writes
// in one storage transaction and then does what `next` says; nothing here touches storage or the clock.
import { decodePayload, encodePayload, jsonColumn, SerializedError, StepwiseError, type Clock } from "../../kernel/index.ts";
import { ChildDetail, nonDeterminism, type JournalEntry, type NewStep, type StepKind, type StepPatch, type StepRecord, type TimerKind } from "./journal.ts";
import { backoffDelay, rerunsInterrupted, resolveRetry, shouldRetry, type RetryOption, type RetryPolicy } from "./retry.ts";

/** One change to the run's storage; a transition's writes form one transaction. */
export type StepWrite =
  | { op: "insertStep"; step: NewStep }
  /** `event: false` for a bookkeeping change clients need not see (the event for it follows from the step). */
  | { op: "updateStep"; seq: number; patch: StepPatch; at: number; event?: false }
  | { op: "setTimer"; kind: TimerKind; seq: number; at: number }
  | { op: "deleteTimer"; kind: TimerKind; seq: number }
  | { op: "deleteStepTimers"; seq: number }
  | { op: "consumeSignal"; signalId: number; seq: number };

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

/** A step call as the journal sees it (the handler's `StepCall` without its function and pool). */
export type CallShape =
  | { kind: "action" | "mutation" | "run"; name: string; args: unknown; retry?: RetryOption | undefined; timeout?: number | undefined }
  | { kind: "sleep"; name: string; wake: { afterMs: number } | { at: number } }
  | { kind: "signal"; name: string; timeout?: number | undefined }
  | { kind: "workflow"; name: string; workflow: { name: string }; args: unknown }
  | { kind: "now" | "random" | "uuid"; name: string };

/** A signal buffered for a wait, as the store finds it. */
export interface BufferedSignal {
  id: number;
  payload: string | null;
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
  /** The buffered signal a wait on `name` at `seq` would take. Asked only for signal waits. */
  bufferedSignal(name: string, seq: number): BufferedSignal | undefined;
}

const NO_WRITES: StepWrite[] = [];
const PARK: Transition = { writes: NO_WRITES, next: { type: "park" } };

/** The error journaled in a failed, canceled or abandoned row (or a failed run's row). */
export function journaledError(text: string | null, column = "steps.error"): SerializedError {
  return jsonColumn(SerializedError, text, column);
}

/** The error of a sleep or wait that lost its race. */
export function abandonedError(seq: number): SerializedError {
  return { code: "step.abandoned", message: `step ${seq} lost a Promise.race (or its Promise.all failed) and stopped waiting`, retryable: false };
}

// -- the handler calls a step -----------------------------------------------------------------

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
      const detail = JSON.stringify({ signal: call.name, timeoutAt });
      const buffered = input.bufferedSignal(call.name, seq);
      if (buffered !== undefined) {
        const step: NewStep = {
          seq,
          name: call.name,
          kind: "signal",
          status: "completed",
          attempts: 1,
          args: null,
          result: buffered.payload,
          now,
          completedAt: now,
          detail,
        };
        return {
          writes: [
            { op: "consumeSignal", signalId: buffered.id, seq },
            { op: "insertStep", step },
          ],
          next: { type: "return", value: decodePayload(buffered.payload) },
        };
      }
      const step: NewStep = { seq, name: call.name, kind: "signal", status: "waiting", attempts: 1, args: null, now, wakeAt: timeoutAt, detail };
      const writes: StepWrite[] = [{ op: "insertStep", step }];
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

function payloadError(err: unknown): SerializedError {
  return (err instanceof StepwiseError ? err : new StepwiseError("step.payload_not_serializable", String(err))).toJSON();
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
      const buffered = input.bufferedSignal(call.name, seq);
      return buffered === undefined ? PARK : { writes: deliverSignal(buffered, seq, now), next: { type: "return", value: decodePayload(buffered.payload) } };
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

// -- an attempt of an action, mutation or run step ----------------------------------------------

/** Timers an attempt arms as it starts: its timeout, if it has one. */
export function attemptStarted(seq: number, timeoutMs: number | undefined, now: number): StepWrite[] {
  return timeoutMs === undefined ? NO_WRITES : [{ op: "setTimer", kind: "step_timeout", seq, at: now + timeoutMs }];
}

export interface AttemptInput {
  seq: number;
  name: string;
  attempt: number;
  outcome: { ok: true; value: unknown } | { ok: false; error: SerializedError };
  policy: RetryPolicy;
  /** The step has a timeout (so a step_timeout timer may be armed). */
  timed: boolean;
  now: number;
  clock: Pick<Clock, "random">;
}

/** An attempt ended: the step completes, waits out a backoff, or fails. */
export function afterAttempt(input: AttemptInput): Transition {
  const { seq, attempt, outcome, policy, now } = input;
  let error: SerializedError;
  if (outcome.ok) {
    const encoded = encodeResult(outcome.value, input.name);
    if (encoded.ok) {
      const writes: StepWrite[] = [{ op: "updateStep", seq, patch: { status: "completed", result: encoded.text, completedAt: now }, at: now }];
      if (input.timed) writes.push({ op: "deleteTimer", kind: "step_timeout", seq });
      return { writes, next: { type: "return", value: outcome.value } };
    }
    error = encoded.error; // a result that cannot be journaled fails the attempt like a throw
  } else {
    error = outcome.error;
  }
  if (shouldRetry(policy, attempt, error.retryable ?? false)) {
    const wakeAt = now + backoffDelay(policy, attempt, input.clock.random());
    return {
      writes: [
        { op: "updateStep", seq, patch: { status: "retrying", error: JSON.stringify(error), wakeAt }, at: now },
        { op: "deleteTimer", kind: "step_timeout", seq },
        { op: "setTimer", kind: "retry", seq, at: wakeAt },
      ],
      next: { type: "retryLater", attempt },
    };
  }
  return failStep(seq, now, error);
}

function encodeResult(value: unknown, name: string): { ok: true; text: string | null } | { ok: false; error: SerializedError } {
  try {
    return { ok: true, text: encodePayload(value, `result of step "${name}"`) };
  } catch (err) {
    return { ok: false, error: payloadError(err) };
  }
}

/** A backoff ended (or an interrupted attempt runs again): the attempt after `failed` ones starts, journaled first so a crash inside it counts it. */
export function retryDue(seq: number, failed: number, now: number): Transition {
  return { writes: [{ op: "updateStep", seq, patch: { status: "running", attempts: failed + 1 }, at: now }], next: { type: "attempt", attempt: failed + 1 } };
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

// -- what reaches a parked step -----------------------------------------------------------------

/** What a fired timer does. `settle`: tell the live handler the step's new row; `abort`: cut the attempt off. */
export interface TimerEffect {
  writes: StepWrite[];
  effect: "watchdog" | "abort" | "settle" | "stale";
}

/** A due timer fired. `step` is the journal row of the timer's step (none for the watchdog). */
export function onTimer(timer: { kind: TimerKind; seq: number }, step: Pick<StepRecord, "seq" | "status"> | undefined, now: number): TimerEffect {
  const deleted: StepWrite = { op: "deleteTimer", kind: timer.kind, seq: timer.seq };
  if (timer.kind === "watchdog") return { writes: [deleted], effect: "watchdog" };
  if (timer.kind === "step_timeout") return { writes: [deleted], effect: "abort" };
  if (step === undefined) return { writes: [deleted], effect: "stale" };
  let patch: StepPatch;
  let event = true;
  if (timer.kind === "sleep" && step.status === "sleeping") {
    patch = { status: "completed", completedAt: now };
  } else if (timer.kind === "retry" && step.status === "retrying") {
    // `attempts` counts attempts started; the next one counts itself (and says step.started) when it starts.
    patch = { status: "running" };
    event = false;
  } else if (timer.kind === "signal_timeout" && step.status === "waiting") {
    patch = { status: "completed", result: "null", completedAt: now };
  } else {
    return { writes: [deleted], effect: "stale" }; // the step moved on before its timer fired
  }
  const update: StepWrite = event ? { op: "updateStep", seq: step.seq, patch, at: now } : { op: "updateStep", seq: step.seq, patch, at: now, event: false };
  return { writes: [deleted, update], effect: "settle" };
}

/** The waiting step at `seq` takes `signal`: consumed, the step completed with its payload, its timers gone. */
export function deliverSignal(signal: BufferedSignal, seq: number, now: number): StepWrite[] {
  return [
    { op: "consumeSignal", signalId: signal.id, seq },
    { op: "updateStep", seq, patch: { status: "completed", result: signal.payload, completedAt: now }, at: now },
    { op: "deleteStepTimers", seq },
  ];
}

export type ChildOutcome = { status: "completed"; result: unknown } | { status: "failed"; error: SerializedError } | { status: "canceled" };

/**
 * A child run ended: its waiting `workflow` step settles with the child's result, or fails with its
 * error. Null when the row is not that child's open step (a late or repeated notice changes nothing).
 */
export function onChildOutcome(step: StepRecord | undefined, childRunId: string, outcome: ChildOutcome, now: number): StepWrite[] | null {
  if (step === undefined || step.kind !== "workflow" || step.status !== "waiting") return null;
  if (jsonColumn(ChildDetail, step.detail, "steps.detail").childRunId !== childRunId) return null;
  let patch: StepPatch;
  if (outcome.status === "completed") {
    try {
      patch = { status: "completed", result: encodePayload(outcome.result, `result of child run ${childRunId}`), completedAt: now };
    } catch (err) {
      patch = {
        status: "failed",
        error: JSON.stringify(err instanceof StepwiseError ? err.toJSON() : { code: "step.failed", message: String(err) }),
        completedAt: now,
      };
    }
  } else {
    const error = outcome.status === "failed" ? outcome.error : { code: "run.canceled", message: `child run ${childRunId} was canceled` };
    patch = { status: "failed", error: JSON.stringify(error), completedAt: now };
  }
  return [{ op: "updateStep", seq: step.seq, patch, at: now }];
}

/** What a lost race does to a step: journal it abandoned, mark it lost before it was journaled, settle it again, or nothing. */
export type LostEffect = { type: "abandon"; writes: StepWrite[] } | { type: "early" } | { type: "settle" } | { type: "none" };

/**
 * A step lost a Promise.race (or its Promise.all failed): a sleep or signal wait still open stops, so
 * it takes no signal and holds no timer, and its promise rejects with `step.abandoned`. Other kinds run
 * to their end; nobody reads them.
 */
export function onLost(step: Pick<StepRecord, "seq" | "kind" | "status"> | undefined, now: number): LostEffect {
  if (step === undefined) return { type: "early" }; // its call is still giving the event loop a turn
  if (step.status === "abandoned") return { type: "settle" };
  if (!((step.kind === "sleep" && step.status === "sleeping") || (step.kind === "signal" && step.status === "waiting"))) return { type: "none" };
  return {
    type: "abandon",
    writes: [
      { op: "updateStep", seq: step.seq, patch: { status: "abandoned", error: JSON.stringify(abandonedError(step.seq)), completedAt: now }, at: now },
      { op: "deleteStepTimers", seq: step.seq },
    ],
  };
}

/** The run ended: its open steps are canceled (in the transaction that ends it). */
export function cancelOpen(open: readonly Pick<StepRecord, "seq">[], now: number): StepWrite[] {
  return open.map((s) => ({ op: "updateStep", seq: s.seq, patch: { status: "canceled", completedAt: now }, at: now }));
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
