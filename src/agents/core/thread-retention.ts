// Thread retention as data: a thread's expiry from its retention and last activity, and what its one
// alarm does next (delete, re-arm, nothing). Pure; the thread object applies the decision.
import { z } from "zod";

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a thread is kept after its last activity, in days (fractions allowed), as callers give it. */
export const RetentionDays = z.number().min(0).max(36_500);

/** A retention in days as the milliseconds the thread stores. */
export function retentionMs(days: number): number {
  return Math.round(days * DAY_MS);
}

/** When a thread is deleted: `retentionMs` after its last activity; null when it is kept forever. */
export function threadExpiry(t: { retentionMs: number | null; lastActivityAt: number }): number | null {
  return t.retentionMs === null ? null : t.lastActivityAt + t.retentionMs;
}

export type ThreadAlarmDecision = { kind: "delete" } | { kind: "arm"; at: number } | { kind: "none" };

/**
 * What the thread's alarm does after the stream hub's watchdog ran and the thread pushed what the thread
 * index was owed. `watchdogAt` is when the watchdog wants to look again, null when no answer is in flight;
 * `indexAt` when a push that failed is tried again, null when the index is owed nothing. A thread whose
 * expiry is due (never early, by `now`) is deleted only when nothing is in flight (its deletion removes
 * its index entry, so a push still owed does not hold it); otherwise the alarm fires again at the
 * earliest of the watchdog, the index retry and the expiry.
 * @example
 * decideThreadAlarm({ now: 10, expiresAt: 10, watchdogAt: null, indexAt: null }); // { kind: "delete" }
 */
export function decideThreadAlarm(s: {
  now: number;
  expiresAt: number | null;
  watchdogAt: number | null;
  indexAt: number | null;
  /** When the next tool call the thread's chat waits on runs out of time to be approved. */
  approvalAt?: number | null;
}): ThreadAlarmDecision {
  const due = s.expiresAt !== null && s.now >= s.expiresAt;
  if (due && s.watchdogAt === null) return { kind: "delete" };
  // A due expiry held back by an answer in flight is looked at again with the watchdog.
  const next = [s.watchdogAt, s.indexAt, s.approvalAt ?? null, due ? null : s.expiresAt].filter((at): at is number => at !== null);
  return next.length === 0 ? { kind: "none" } : { kind: "arm", at: Math.min(...next) };
}
