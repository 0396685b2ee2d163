// Retry policies and backoff math: pure, with the random source passed in.
// Waits computed here become durable timers in the run object.
import { z } from "zod";

export const RetryPolicy = z.object({
  maxAttempts: z.number().int().min(1).max(1000),
  initialBackoffMs: z.number().int().min(0),
  base: z.number().min(1),
  maxBackoffMs: z.number().int().min(0),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** What `retry: true` means: five attempts, 500 ms doubling, capped at a minute. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 500, base: 2, maxBackoffMs: 60_000 };

/** No retries: one attempt. */
export const NO_RETRY: RetryPolicy = { maxAttempts: 1, initialBackoffMs: 0, base: 1, maxBackoffMs: 0 };

export type RetryOption = boolean | Partial<RetryPolicy>;

/** Resolves a step's `retry` option against the workflow's default. `false` always means one attempt. */
export function resolveRetry(step: RetryOption | undefined, workflow: RetryOption | undefined): RetryPolicy {
  const pick = step ?? workflow;
  if (pick === undefined || pick === false) return NO_RETRY;
  if (pick === true) return DEFAULT_RETRY;
  return RetryPolicy.parse({ ...DEFAULT_RETRY, ...pick });
}

/**
 * The wait before attempt `attempt + 1`, after `attempt` failures (attempt >= 1).
 * Exponential: initial * base^(attempt-1), capped, then "equal jitter": half fixed, half random,
 * so retries of many runs spread out but never wait less than half the nominal delay.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number): number {
  const nominal = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.base ** Math.max(0, attempt - 1));
  return Math.round(nominal / 2 + (nominal / 2) * random);
}

/** Whether another attempt follows `attempt` failures of an error with this `retryable` flag. */
export function shouldRetry(policy: RetryPolicy, attempt: number, retryable: boolean): boolean {
  return retryable && attempt < policy.maxAttempts;
}

/**
 * An attempt cut off with its object (a crash, an eviction, a deploy) runs again while the policy has
 * attempts left, and in any case until this many attempts in all: a deploy never fails a step that has
 * no retry policy, and an action that takes its isolate down every time still ends.
 */
export const MIN_ATTEMPTS_AFTER_INTERRUPTION = 3;

/** Whether a step whose attempt `attempt` was cut off runs again. */
export function rerunsInterrupted(policy: RetryPolicy, attempt: number): boolean {
  return attempt < Math.max(policy.maxAttempts, MIN_ATTEMPTS_AFTER_INTERRUPTION);
}
