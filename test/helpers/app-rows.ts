// The app's D1 rows a run wrote, for tests of the example workflows (workers and app projects alike):
// each mutation step keys its row by its idempotency key, `${runId}:${seq}`.
import { env } from "cloudflare:workers";

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
