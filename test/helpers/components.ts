// Helpers for the component tests: the components' namespaces, a pool per test, polling a pool until
// it drained, and firing an object's alarm as if its time had come.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { ActionRetrier, type ActionRunView, type PoolStats, type RetrierOptions } from "../../src/components/index.ts";
import { unwrap } from "../../src/kernel/result.ts";
import { testPool } from "../fixtures/components/workflows.ts";
import type { ActionRun } from "../worker.ts";

export { testPool };

// SAFETY: the test Worker binds ACTION_RUNS to test/worker.ts's ActionRun (the app's class plus `settled`).
export const runs = env.ACTION_RUNS as unknown as DurableObjectNamespace<ActionRun>;
export const pools = env.WORKPOOLS;

export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export function retrier(opts: Partial<RetrierOptions> = {}): ActionRetrier {
  return new ActionRetrier(runs, opts);
}

/** Waits until the action run has nothing executing in its instance; returns its view. */
export async function settledRun(id: string): Promise<ActionRunView> {
  const stub = runs.getByName(id);
  unwrap(await stub.settled());
  return unwrap(await stub.describe());
}

/** Fires the run's alarm now (the backoff is over) and waits for what follows. */
export async function fireRun(id: string): Promise<ActionRunView> {
  expect(await runDurableObjectAlarm(runs.getByName(id))).toBe(true);
  return settledRun(id);
}

/** Polls a pool (real concurrent work, not a timer) until `done` holds of its stats. */
export async function poolUntil(name: string, done: (s: PoolStats) => boolean, timeout = 20_000): Promise<PoolStats> {
  const pool = testPool(name);
  await expect.poll(async () => done(await pool.stats()), { timeout, interval: 20 }).toBe(true);
  return pool.stats();
}
