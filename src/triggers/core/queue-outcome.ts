// What the queue consumer does with a message whose run did not start: a refusal that no retry can
// change is dead-lettered, anything else (the run object unreachable, overloaded) is retried later.
import { backoffDelay, type RetryPolicy } from "../../engine/core/index.ts";
import { StepwiseError, type SerializedError } from "../../kernel/index.ts";

/** The idempotency key of the run a message starts: its queue and id, so a redelivery finds the same run. */
export function messageRunKey(queue: string, messageId: string): string {
  return `queue:${queue}:${messageId}`;
}

/**
 * The wait before a message is delivered again: 10 s doubling to 10 min, with equal jitter so a burst
 * of messages retried together does not come back together. How many times is the consumer's
 * `max_retries` (wrangler.toml), not `maxAttempts`: after it, the consumer's `dead_letter_queue` takes it.
 */
export const QUEUE_RETRY: RetryPolicy = { maxAttempts: 1000, initialBackoffMs: 10_000, base: 2, maxBackoffMs: 600_000 };

export type Outcome = { kind: "dead-letter"; error: SerializedError } | { kind: "retry"; delaySeconds: number };

/**
 * Dead-letter a StepwiseError that says a retry cannot help (invalid args, a body that is not JSON, an
 * unknown workflow); retry anything else after the policy's delay, in whole seconds (Queues' unit).
 * @example
 * const outcome = failureOutcome(err, message.attempts, Math.random());
 * if (outcome.kind === "retry") message.retry({ delaySeconds: outcome.delaySeconds });
 */
export function failureOutcome(err: unknown, attempts: number, random: number): Outcome {
  if (err instanceof StepwiseError && !err.retryable) return { kind: "dead-letter", error: err.toJSON() };
  return { kind: "retry", delaySeconds: retryDelaySeconds(attempts, random) };
}

export function retryDelaySeconds(attempts: number, random: number): number {
  return Math.max(1, Math.ceil(backoffDelay(QUEUE_RETRY, Math.max(1, attempts), random) / 1000));
}
