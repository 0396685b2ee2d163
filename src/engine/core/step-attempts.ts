// The step machine, around an attempt of an action, mutation or run step: its timeout timer, then its
// outcome (the result journaled, a backoff on a retry timer, or the failure), and the next attempt.
import { encodePayload, type Clock, type SerializedError } from "../../kernel/index.ts";
import { backoffDelay, shouldRetry, type RetryPolicy } from "./retry.ts";
import { failStep, NO_WRITES, payloadError, type StepWrite, type Transition } from "./transition.ts";
import type { UsageEntry } from "./usage.ts";

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
  /** The token usage the attempt reported (`ctx.reportUsage`), folded; none when it reported nothing. */
  usage?: readonly UsageEntry[];
}

/**
 * An attempt ended: the step completes, waits out a backoff, or fails. The usage the attempt reported is
 * journaled with that outcome, whichever it is, so a failed attempt's tokens count too (they were spent).
 */
export function afterAttempt(input: AttemptInput): Transition {
  const transition = attemptOutcome(input);
  const entries = input.usage ?? [];
  if (entries.length === 0) return transition;
  return { writes: [{ op: "recordUsage", seq: input.seq, attempt: input.attempt, entries }, ...transition.writes], next: transition.next };
}

function attemptOutcome(input: AttemptInput): Transition {
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
