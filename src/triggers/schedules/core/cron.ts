// Cron expressions through croner: parse once, then the instants a schedule falls due at. Pure (no
// clock of its own: every function takes the instants it reasons about), so Node tests run it as is.
import { Cron } from "croner";

/**
 * A parsed cron expression in its time zone: 5 fields (minute precision) or 6 (a leading seconds field).
 * Throws the parser's RangeError/TypeError on a bad expression or time zone.
 * @example
 * const every = parseCron("30 2 * * *", "Europe/Paris");
 */
export function parseCron(cron: string, timezone: string): Cron {
  // No callback: croner schedules nothing and sets no timer, it only computes instants.
  const parsed = new Cron(cron, { timezone, mode: "5-or-6-parts" });
  // croner checks the zone lazily, when it first converts a date: make it do so now.
  parsed.nextRun(new Date(0));
  return parsed;
}

/** The first instant strictly after `after` (ms since the epoch), or null when the expression has none left. */
export function nextInstant(cron: Cron, after: number): number | null {
  return cron.nextRun(new Date(after))?.getTime() ?? null;
}

/**
 * The newest `max` instants in (after, upTo], oldest first, and whether older ones in that range were
 * left out. Walks back from `upTo`, so a long outage of a per-second schedule costs `max` steps, not one per instant.
 */
export function dueInstants(cron: Cron, after: number, upTo: number, max: number): { instants: number[]; more: boolean } {
  if (upTo <= after) return { instants: [], more: false };
  // previousRuns is strictly before its reference, read in whole seconds: a second past `upTo` takes in
  // `upTo` itself, and at most one instant after it, which the filter drops.
  const back = cron.previousRuns(max + 2, new Date(upTo + 1000)).map((d) => d.getTime());
  const inRange = back.filter((t) => t > after && t <= upTo);
  return { instants: inRange.slice(0, max).reverse(), more: inRange.length > max };
}
