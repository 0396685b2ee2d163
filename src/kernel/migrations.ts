// Numbered schema migrations, the one runner every Durable Object uses: the stored version lives in a
// one-row `_schema` table, and each migration past it applies in its own transaction, once.
//
// A new object (the common case: every run, thread and pool is one) does not replay the history of the
// schema. The first object of a kind in an isolate migrates step by step, and its final schema, read
// back from sqlite_master, is kept for the isolate: the next new objects create it in one script. That
// is the same schema by construction (SQLite's own text of it), with none of the ALTER TABLEs, each of
// which rewrites and re-parses the whole schema (in a CPU profile of 200 starts, migrate's time fell
// from 513-543 ms to 139-178 ms). An object that just looked at its schema (probeSchema) and found
// nothing is created with one more statement: the script, its `_schema` and its version together. Each
// statement counts on a new object, whose SQLite has prepared none yet.
import type { Sql } from "./sql.ts";

const SCHEMA_TABLE = "_schema";
const SCHEMA_TABLE_COLUMNS = "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)";

/**
 * The tables and indexes of the migrations, leaving out the runner's `_schema` and what SQLite and the
 * runtime keep for themselves (sqlite_sequence, _cf_KV, miniflare's __miniflare_do_name): no migration
 * names a table with a leading underscore.
 */
const OWN_OBJECTS = `name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_%' ESCAPE '\\'`;

/**
 * The final schema of each migration list as one script (by the tables it leaves out, see migrate's
 * `lazy`), taken in this isolate from the first object migrated from empty; null when that object's
 * migrations left rows behind (a script holds no data).
 */
const snapshots = new WeakMap<readonly string[], Map<string, string | null>>();

function snapshotOf(migrations: readonly string[], lazy: readonly string[]): string | null | undefined {
  return snapshots.get(migrations)?.get(lazy.join(","));
}

/** What one read of sqlite_master says of an object's schema (see probeSchema). */
export interface SchemaProbe {
  /** The runner's `_schema` table exists: `migrate` ran here before. */
  readonly migrated: boolean;
  /** No table but SQLite's and the runtime's: nothing was ever created here. */
  readonly empty: boolean;
}

/**
 * Whether `migrate` ran here and whether the object holds any table, in one read. Creates nothing:
 * reads of a never-created object must leave no storage behind.
 */
export function probeSchema(sql: Sql): SchemaProbe {
  const names = sql.all(`SELECT name FROM sqlite_master WHERE type = 'table' AND (name = '${SCHEMA_TABLE}' OR ${OWN_OBJECTS})`).map((r) => r.name);
  return { migrated: names.includes(SCHEMA_TABLE), empty: names.every((n) => n === SCHEMA_TABLE) };
}

/**
 * Applies `migrations` past the stored schema version, each with its version bump in one transaction.
 * Call it under blockConcurrencyWhile (the constructor), so no request sees a half-migrated object.
 * Never edit or reorder a shipped migration: append one. `probe`: what probeSchema read of this object,
 * with nothing written since, so that a new object is not read again. `lazy`: tables the script of new
 * objects leaves out, with their indexes and triggers, which their owner creates at its first write (a
 * script is kept for each list). True when the object held no table before: it now holds the schema,
 * perhaps without the `lazy` tables, and only the rows the migrations insert.
 * @example
 * void ctx.blockConcurrencyWhile(async () => migrate(new Sql(ctx.storage), MIGRATIONS));
 */
export function migrate(sql: Sql, migrations: readonly string[], probe?: SchemaProbe, lazy: readonly string[] = []): boolean {
  const script = probe?.empty === true && !probe.migrated ? snapshotOf(migrations, lazy) : undefined;
  if (typeof script === "string") {
    // The whole creation in one statement: the schema, the runner's table and the version.
    sql.transaction(() =>
      sql.exec(`${script}\nCREATE TABLE ${SCHEMA_TABLE} ${SCHEMA_TABLE_COLUMNS};\nINSERT INTO ${SCHEMA_TABLE} (id, version) VALUES (1, ${migrations.length});`),
    );
    return true;
  }
  sql.exec(`CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} ${SCHEMA_TABLE_COLUMNS}`);
  const current = Number(sql.first(`SELECT version FROM ${SCHEMA_TABLE} WHERE id = 1`)?.version ?? 0);
  if (current >= migrations.length) return false;
  // Empty: no version and no tables (an object from before migrations has tables and no version).
  const empty = current === 0 && sql.first(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND ${OWN_OBJECTS}`) === undefined;
  const snapshot = empty ? snapshotOf(migrations, lazy) : undefined;
  if (typeof snapshot === "string") {
    sql.transaction(() => {
      sql.exec(snapshot);
      setVersion(sql, migrations.length);
    });
    return true;
  }
  for (let v = current; v < migrations.length; v++) {
    sql.transaction(() => {
      sql.exec(migrations[v]!);
      setVersion(sql, v + 1);
    });
  }
  if (empty && snapshotOf(migrations, lazy) === undefined) {
    const byLazy = snapshots.get(migrations) ?? new Map<string, string | null>();
    snapshots.set(migrations, byLazy.set(lazy.join(","), schemaScript(sql, lazy)));
  }
  return empty;
}

/** The script new objects of `migrations` (without `lazy`) are created with in this isolate: undefined before the first, null when none is kept. */
export function schemaSnapshot(migrations: readonly string[], lazy: readonly string[] = []): string | null | undefined {
  return snapshotOf(migrations, lazy);
}

function setVersion(sql: Sql, version: number): void {
  sql.exec(`INSERT INTO ${SCHEMA_TABLE} (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`, version);
}

/**
 * This object's schema as one script, in the order it was created (tables before their indexes and
 * triggers), without the `lazy` tables and what belongs to them; null when a table holds rows, which a
 * script would not recreate.
 */
function schemaScript(sql: Sql, lazy: readonly string[]): string | null {
  const objects = sql
    .all(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ${OWN_OBJECTS} ORDER BY rowid`)
    .filter((o) => !lazy.includes(String(o.tbl_name)));
  for (const o of objects) {
    if (o.type === "table" && sql.first(`SELECT 1 FROM "${String(o.name).replaceAll('"', '""')}" LIMIT 1`) !== undefined) return null;
  }
  return objects.map((o) => `${String(o.sql)};`).join("\n");
}
