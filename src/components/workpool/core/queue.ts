// The pool's decisions, without the runtime: its configuration, how many slots are free, which queued
// entries get one (first in, first out), which are abandoned, and the lease and polling timings.
import { z } from "zod";

/** What `new Workpool(ns, { name, ... })` had when it was constructed: pools are named objects. */
export const POOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$/;

export const MAX_PARALLELISM_LIMIT = 10_000;

export const PoolConfigInput = z.object({
  name: z
    .string()
    .regex(POOL_NAME, "a pool name is 1-100 characters of letters, digits, '_', '.', ':', '-'")
    .refine((n) => !isLinePool(n), "pool names starting with 'flow:' are the workflows' lines (flow control)"),
  /** Slots; 0 pauses the pool. Omitted: keep what the pool has (10 for a new pool). */
  maxParallelism: z.number().int().min(0).max(MAX_PARALLELISM_LIMIT).optional(),
  /** How long a granted slot lasts without a heartbeat. Omitted: keep what the pool has. */
  leaseMs: z
    .number()
    .int()
    .min(100)
    .max(60 * 60 * 1000)
    .optional(),
});
export type PoolConfigInput = z.input<typeof PoolConfigInput>;

/** Convex's workpool default. */
export const DEFAULT_MAX_PARALLELISM = 10;
/** A crashed holder's slot comes back within this long; live holders renew every third of it. */
export const DEFAULT_LEASE_MS = 30_000;

export interface PoolSettings {
  /** The latest value a caller's constructor declared. */
  declaredMax: number | null;
  /** Set at run time by `setMaxParallelism`; wins over the declared value until cleared. */
  overrideMax: number | null;
  leaseMs: number | null;
}

export function effectiveMax(s: PoolSettings): number {
  return s.overrideMax ?? s.declaredMax ?? DEFAULT_MAX_PARALLELISM;
}

export function leaseMs(s: PoolSettings): number {
  return s.leaseMs ?? DEFAULT_LEASE_MS;
}

/** Holders renew their lease this often: three chances before it lapses. */
export function heartbeatEveryMs(lease: number): number {
  return Math.max(25, Math.floor(lease / 3));
}

/** An acquire call waits at most this long before answering "not yet" (the caller asks again). */
export function pollWaitMs(lease: number): number {
  return Math.min(10_000, Math.max(50, Math.floor(lease / 2)));
}

/** A queued holder that has not asked again for this long is gone (its caller died while waiting). */
export function presenceMs(lease: number): number {
  return lease + pollWaitMs(lease);
}

/** How long a dispatched job may go unacknowledged before the pool sends it again. */
export function dispatchRetryMs(lease: number): number {
  return Math.min(5_000, lease);
}

/**
 * A holder id "x:3" is attempt 3 of the holder family "x" (the engine's `${runId}:${seq}:${attempt}`,
 * an action run's `${id}:${attempt}`). An id without a numeric suffix is a family of its own.
 * A later attempt exists only once the earlier one is over (failed, or lost with its object), so it
 * takes over the earlier one's place in line, or its slot, instead of queuing behind a dead holder.
 */
export function holderFamily(holderId: string): { family: string; attempt: number } {
  const m = /^(.+):(\d{1,9})$/.exec(holderId);
  return m === null ? { family: holderId, attempt: 0 } : { family: m[1]!, attempt: Number(m[2]) };
}

export interface QueuedEntry {
  holder: string;
  /** Jobs wait in the pool itself and never go stale; holders must keep asking. */
  jobId: string | null;
  /** Workflow runs in line (flow control) wait in the pool too. */
  runId?: string | null;
  /** For a holder: the time its presence lapses without another acquire call. */
  until: number | null;
}

/**
 * Walks the head of the queue in order: grants up to `free` entries and drops the abandoned ones it
 * meets on the way (a holder is present while one of its acquire calls is waiting, or until `until`).
 */
export function planGrants<E extends QueuedEntry>(input: {
  free: number;
  queue: readonly E[];
  now: number;
  waiting: ReadonlySet<string>;
}): { grant: E[]; drop: E[] } {
  const grant: E[] = [];
  const drop: E[] = [];
  for (const entry of input.queue) {
    if (grant.length >= input.free) break;
    const present =
      entry.jobId !== null || (entry.runId ?? null) !== null || input.waiting.has(entry.holder) || (entry.until !== null && entry.until > input.now);
    if (present) grant.push(entry);
    else drop.push(entry);
  }
  return { grant, drop };
}

/** The time an alarm that was set for `scheduledAt` stands for: firing early (tests) counts as on time. */
export function alarmCutoff(now: number, scheduledAt: number | null): number {
  return Math.max(now, scheduledAt ?? now);
}

/**
 * Whether the alarm must move: never later than the earliest deadline. With nothing due it stays as it
 * is (an alarm that rings for nothing costs less than clearing and setting one per job).
 */
export function rearmTo(current: number | null, earliest: number | null): { set: number } | null {
  if (earliest === null) return null;
  if (current !== null && current <= earliest) return null;
  return { set: earliest };
}

/** The holder id of a workflow run in its line: never ends in ":<digits>", so it is a family of its own. */
export function runHolder(runId: string): string {
  return `${runId}#run`;
}

/** Workflows' lines (flow control) are pools named `flow:<hash>`: a Workpool may not take such a name. */
export function isLinePool(name: string): boolean {
  return name.startsWith("flow:");
}
