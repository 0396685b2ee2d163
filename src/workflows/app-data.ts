// The app's own data in D1 (binding DB, schema in migrations/): writes keyed by a step's idempotency
// key, so a mutation that runs again (a retry, or a crash before its result was journaled) writes nothing new.
import { StepwiseError } from "stepwise";

/**
 * Runs `insert` (an `INSERT ... ON CONFLICT(idempotency_key) DO NOTHING` bound with the key), then
 * reads back the id of the row holding `key`: the new row, or the one an earlier run of the step wrote.
 * Both in one batch (one transaction), so the row is there to read unless `insert` wrote another key.
 * @example
 * const id = await insertOnce(db, "notifications", ctx.idempotencyKey, db.prepare("INSERT ... DO NOTHING").bind(ctx.idempotencyKey, userId, message));
 */
export async function insertOnce(db: D1Database, table: "notifications" | "posts", key: string, insert: D1PreparedStatement): Promise<number> {
  const read = db.prepare(`SELECT id FROM ${table} WHERE idempotency_key = ?`).bind(key);
  const [, found] = await db.batch<{ id: number }>([insert, read]);
  const id = found?.results[0]?.id;
  if (typeof id !== "number") throw new StepwiseError("app.row_missing", `no ${table} row with idempotency key ${key} after inserting it`);
  return id;
}
