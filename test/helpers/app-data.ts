// For workers tests of the app's D1 data: the rows a run wrote, and the context a mutation receives, to
// call a mutation's handler directly as the engine would (same idempotency key = same step).
import { env } from "cloudflare:workers";
import { withCalls, type ActionContext } from "../../src/engine/index.ts";
import { stepwise } from "../worker.ts";

export type AppTable = "notifications" | "posts";

/** The rows of `table` written by steps of `runId` (their idempotency keys are `${runId}:${seq}`), oldest first. */
export async function rowsOfRun(table: AppTable, runId: string): Promise<Record<string, unknown>[]> {
  const { results } = await env.DB.prepare(`SELECT * FROM ${table} WHERE substr(idempotency_key, 1, length(?1)) = ?1 ORDER BY id`).bind(`${runId}:`).all();
  return results;
}

/** The rows of `table` with this idempotency key (at most one, if the key is unique). */
export async function rowsWithKey(table: AppTable, idempotencyKey: string): Promise<Record<string, unknown>[]> {
  return (await env.DB.prepare(`SELECT * FROM ${table} WHERE idempotency_key = ?`).bind(idempotencyKey).all()).results;
}

/** What the engine passes a mutation's handler for attempt `attempt` of step `seq` of run `runId`. */
export function mutationContext(runId: string, seq: number, opts: { attempt?: number; env?: Env } = {}): ActionContext {
  const base = { env: opts.env ?? env, runId, seq, attempt: opts.attempt ?? 1, signal: new AbortController().signal, idempotencyKey: `${runId}:${seq}` };
  return withCalls(base, stepwise.registry);
}
