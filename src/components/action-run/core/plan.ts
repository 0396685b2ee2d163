// The decisions of a durable action run, without the runtime: the retrier's policy, what follows a
// failed attempt, what a woken object does, and when its one alarm should ring. Clock and dice come in.
import { z } from "zod";
import type { SerializedError } from "../../../kernel/index.ts";
import { backoffDelay, RetryPolicy, shouldRetry } from "../../../engine/core/index.ts";
import type { ActionRunStatus } from "../rpc.ts";

/**
 * `waiting`: queued for a pool slot for the next attempt; `running`: an attempt executes;
 * `backoff`: a failed attempt waits out its delay (the alarm ends it).
 */
export const RunState = z.enum(["waiting", "running", "backoff", "completed", "failed", "canceled"]);
export type RunState = z.infer<typeof RunState>;

export const TERMINAL: ReadonlySet<RunState> = new Set(["completed", "failed", "canceled"]);

/**
 * What a run owes outside itself, stored with its state so a crash cannot lose it. A retrier run (no
 * pool) is `list`ed in the retriers' directory while it lives and `unlist`ed when it ends; a pool job
 * that fails for good `report`s the failure to its pool. `none`: nothing yet; `done`: nothing more.
 */
export const Outbox = z.enum(["none", "list", "listed", "unlist", "report", "done"]);
export type Outbox = z.infer<typeof Outbox>;

/** Whether a message is still owed (and the run keeps a watchdog alarm until it is delivered). */
export function owes(outbox: Outbox): boolean {
  return outbox === "list" || outbox === "unlist" || outbox === "report";
}

/** What the run owes once it moved to `state`, given what it owed before and whether it is a pool job. */
export function outboxAfter(current: Outbox, state: RunState, pooled: boolean): Outbox {
  if (pooled) return state === "failed" && current === "none" ? "report" : current;
  if (!TERMINAL.has(state)) return current === "none" ? "list" : current;
  // A listing may be in flight even if not confirmed: take it out either way (removal is idempotent).
  if (current === "list" || current === "listed") return "unlist";
  return current === "none" ? "done" : current;
}

/** The outbox once the message for `sent` was confirmed. */
export function outboxDelivered(sent: Outbox): Outbox {
  return sent === "list" ? "listed" : "done";
}

export const RetrierOptions = z.object({
  /** The wait after the first failure. */
  initialBackoffMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 60 * 60 * 1000),
  /** Each further wait is `base` times the previous one. */
  base: z.number().min(1).max(100),
  /** Failures tolerated before the run is `failed`: at most `maxFailures + 1` attempts. */
  maxFailures: z.number().int().min(0).max(999),
  /** No wait is longer than this. */
  maxBackoffMs: z.number().int().min(0),
});
export type RetrierOptions = z.infer<typeof RetrierOptions>;

/** The ActionRetrier's defaults (those of the Convex action retrier): 250 ms, doubling, 4 failures. */
export const DEFAULT_RETRIER: RetrierOptions = { initialBackoffMs: 250, base: 2, maxFailures: 4, maxBackoffMs: 24 * 60 * 60 * 1000 };

/** The retrier's options as the engine's retry policy (so the backoff math is the engine's). */
export function retrierPolicy(opts: Partial<RetrierOptions> = {}): RetryPolicy {
  const o = RetrierOptions.parse({ ...DEFAULT_RETRIER, ...opts });
  return RetryPolicy.parse({ maxAttempts: o.maxFailures + 1, initialBackoffMs: o.initialBackoffMs, base: o.base, maxBackoffMs: o.maxBackoffMs });
}

export type AfterFailure = { type: "retry"; at: number; delayMs: number } | { type: "fail" };

/** After attempt `attempt` failed with `error`: try again at `at`, or give up. */
export function afterFailure(policy: RetryPolicy, attempt: number, error: SerializedError, now: number, random: number): AfterFailure {
  if (!shouldRetry(policy, attempt, error.retryable ?? false)) return { type: "fail" };
  const delayMs = backoffDelay(policy, attempt, random);
  return { type: "retry", at: now + delayMs, delayMs };
}

/**
 * What an object does when its alarm rings, given its stored state and whether this instance is
 * already driving the run (`live`). A run found `running` with nobody driving it lost its attempt
 * to a crash or an eviction; one found `waiting` resumes its place in the pool's queue.
 */
export type WakeDecision = "next-attempt" | "interrupted" | "resume" | "watch" | "finish" | "none";

export function onWake(row: { state: RunState; onComplete: "none" | "pending" | "done"; outbox: Outbox }, live: boolean): WakeDecision {
  switch (row.state) {
    case "backoff":
      // The alarm is the backoff's only timer: when it rings, the wait is over.
      return "next-attempt";
    case "running":
      return live ? "watch" : "interrupted";
    case "waiting":
      return live ? "watch" : "resume";
    default: {
      const open = row.onComplete === "pending" || owes(row.outbox);
      return open && !live ? "finish" : open ? "watch" : "none";
    }
  }
}

/** When the object's one alarm should ring: the backoff's end, else a watchdog while anything is open (an attempt, onComplete, a message owed). */
export function nextAlarm(
  row: { state: RunState; wakeAt: number | null; onComplete: "none" | "pending" | "done"; outbox: Outbox },
  now: number,
  watchdogMs: number,
): number | null {
  if (row.state === "backoff") return row.wakeAt ?? now;
  if (row.state === "waiting" || row.state === "running") return now + watchdogMs;
  return row.onComplete === "pending" || owes(row.outbox) ? now + watchdogMs : null;
}

export function publicStatus(state: RunState): ActionRunStatus {
  if (state === "waiting" || state === "backoff") return "pending";
  return state;
}
