// The step machine, when something reaches a parked step: a timer fires, a signal is delivered, a child
// run ends, a race is lost, or the run ends around it.
import { encodePayload, jsonColumn, StepwiseError, type SerializedError } from "../../kernel/index.ts";
import { ChildDetail, type StepPatch, type StepRecord, type TimerKind } from "./journal.ts";
import { abandonedError, deliveredPayload, type BufferedSignal, type StepWrite } from "./transition.ts";

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
    { op: "updateStep", seq, patch: { status: "completed", result: deliveredPayload(signal), completedAt: now }, at: now },
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
