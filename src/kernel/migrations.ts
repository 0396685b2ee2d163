// Numbered schema migrations, the one runner every Durable Object uses: the stored version lives in a
// one-row `_schema` table, and each migration past it applies in its own transaction, once.
import type { Sql } from "./sql.ts";

const SCHEMA_TABLE = "_schema";

/**
 * Applies `migrations` past the stored schema version, each with its version bump in one transaction.
 * Call it under blockConcurrencyWhile (the constructor), so no request sees a half-migrated object.
 * Never edit or reorder a shipped migration: append one.
 * @example
 * void ctx.blockConcurrencyWhile(async () => migrate(new Sql(ctx.storage), MIGRATIONS));
 */
export function migrate(sql: Sql, migrations: readonly string[]): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`);
  const current = Number(sql.first(`SELECT version FROM ${SCHEMA_TABLE} WHERE id = 1`)?.version ?? 0);
  for (let v = current; v < migrations.length; v++) {
    sql.transaction(() => {
      sql.exec(migrations[v]!);
      sql.exec(`INSERT INTO ${SCHEMA_TABLE} (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`, v + 1);
    });
  }
}

/** Whether `migrate` ever ran here. Creates nothing: reads of a never-created object must leave no storage behind. */
export function isMigrated(sql: Sql): boolean {
  return sql.hasTable(SCHEMA_TABLE);
}
