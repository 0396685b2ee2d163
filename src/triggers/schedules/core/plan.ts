// The schedule's decisions as data: which due instants fire after an outage (catch-up), and what one
// instant does when the previous run may still be live (overlap). The object shell applies them.
import type { CatchUp, Overlap } from "./spec.ts";

/** An instant within this long of its time counts as on time, whatever the catch-up policy. */
export const ON_TIME_GRACE_MS = 60_000;

/**
 * Of the due instants (oldest first), those that fire and those recorded as missed.
 * @example
 * planCatchUp({ instants: [t1, t2, t3], now, catchUp: "latest", limit: 10 }); // { fire: [t3], missed: [t1, t2] }
 */
export function planCatchUp(p: { instants: readonly number[]; now: number; catchUp: CatchUp; limit: number }): { fire: number[]; missed: number[] } {
  const { instants, now, catchUp, limit } = p;
  const latest = instants.at(-1);
  if (latest === undefined) return { fire: [], missed: [] };
  if (catchUp === "all") {
    const cut = Math.max(0, instants.length - limit);
    return { fire: instants.slice(cut), missed: instants.slice(0, cut) };
  }
  const older = instants.slice(0, -1);
  if (catchUp === "latest" || now - latest <= ON_TIME_GRACE_MS) return { fire: [latest], missed: older };
  return { fire: [], missed: [...instants] };
}

/** What one instant does: start a run, start nothing, keep it for when the live run ends, or cancel that run and start. */
export type OverlapDecision = "start" | "skip" | "buffer" | "cancel_previous";

/**
 * @example
 * decideOverlap("buffer_one", { previousLive: true, buffered: false }); // "buffer"
 */
export function decideOverlap(overlap: Overlap, s: { previousLive: boolean; buffered: boolean }): OverlapDecision {
  if (!s.previousLive || overlap === "allow") return "start";
  switch (overlap) {
    case "skip":
      return "skip";
    case "buffer_one":
      return s.buffered ? "skip" : "buffer";
    case "cancel_previous":
      return "cancel_previous";
  }
}

/**
 * The id of the run an instant starts: the schedule and the instant name it, so a second alarm for the
 * same instant (or a crash mid-fire) reaches the same run, and the start is a no-op. A manual trigger
 * gets ids of its own, never an instant's.
 * @example
 * scheduleRunId("nightly", Date.parse("2026-03-29T01:00:00Z")); // "sched:nightly:2026-03-29T01:00:00.000Z"
 */
export function scheduleRunId(name: string, instant: number, manual = false): string {
  return `sched:${name}:${manual ? "manual:" : ""}${new Date(instant).toISOString()}`;
}
