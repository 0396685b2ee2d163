// The kernel's migration runner in real Durable Object storage: each migration applies once with its
// version, a failing one rolls back alone, a run index made before it had migrations keeps its rows, and
// new objects after the first take the final schema in one script, identical to the migrated one (with
// one statement in all when a probe just found the object empty).
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { THREAD_INDEX_MIGRATIONS } from "../../src/agents/durable/thread-index-schema.ts";
import { THREAD_MIGRATIONS } from "../../src/agents/durable/thread-schema.ts";
import { ACTION_RUN_MIGRATIONS } from "../../src/components/action-run/schema.ts";
import { WORKPOOL_MIGRATIONS } from "../../src/components/workpool/schema.ts";
import { RUN_INDEX_MIGRATIONS } from "../../src/engine/durable/run-index-schema.ts";
import { LAZY_TABLES, MIGRATIONS } from "../../src/engine/durable/schema.ts";
import { migrate, probeSchema, schemaSnapshot, Sql } from "../../src/kernel/index.ts";
import { SCHEDULE_MIGRATIONS } from "../../src/triggers/schedules/schema.ts";

const version = (sql: Sql) => sql.first("SELECT version FROM _schema WHERE id = 1")?.version;
const hasTable = (sql: Sql, name: string) => sql.first("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", name) !== undefined;

/** A fresh object with empty storage to migrate by hand: a thread object creates nothing until a thread is. */
function scratch() {
  return env.THREADS.getByName(`thread_${crypto.randomUUID().replaceAll("-", "")}`);
}

describe("migrate", () => {
  it("applies each migration past the stored version once, in order", async () => {
    await runInDurableObject(scratch(), (_instance, state) => {
      const sql = new Sql(state.storage);
      const steps = ["CREATE TABLE a (x INTEGER)", "ALTER TABLE a ADD COLUMN y INTEGER", "INSERT INTO a (x, y) VALUES (1, 2)"];
      migrate(sql, steps.slice(0, 2));
      migrate(sql, steps);
      migrate(sql, steps);
      expect(version(sql)).toBe(3);
      expect(sql.all("SELECT x, y FROM a")).toEqual([{ x: 1, y: 2 }]);
    });
  });

  it("rolls a failing migration back alone, keeping the ones before it, and names the query", async () => {
    await runInDurableObject(scratch(), (_instance, state) => {
      const sql = new Sql(state.storage);
      const steps = ["CREATE TABLE b (x INTEGER)", "CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1)"];
      expect(() => migrate(sql, steps)).toThrow(/SQL failed: CREATE TABLE c .*no such table: nowhere/);
      expect(version(sql)).toBe(1);
      expect(hasTable(sql, "b")).toBe(true);
      expect(hasTable(sql, "c")).toBe(false);
    });
  });

  it("probeSchema creates nothing on an object that never held data", async () => {
    await runInDurableObject(scratch(), (_instance, state) => {
      expect(probeSchema(new Sql(state.storage))).toEqual({ migrated: false, empty: true });
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master").toArray()).toEqual([]);
    });
  });
});

/**
 * Everything SQLite knows of a schema: its objects as created, and every table's columns and indexes.
 * Not sqlite_sequence: SQLite creates it for the first AUTOINCREMENT table and never drops it, so an
 * object migrated step by step past a migration that dropped AUTOINCREMENT keeps it, empty.
 */
function schemaOf(sql: Sql) {
  const objects = sql.all("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' AND name <> 'sqlite_sequence' ORDER BY type, name");
  const tables = objects.filter((o) => o.type === "table").map((o) => String(o.name));
  return {
    objects,
    columns: tables.map((t) => sql.all(`SELECT * FROM pragma_table_info('${t}')`)),
    indexes: tables.map((t) => sql.all(`SELECT * FROM pragma_index_list('${t}') ORDER BY name`)),
  };
}

describe("a new object's schema", () => {
  // The pool and schedule migrations insert their one row, so their objects always run them (see the last test).
  const lists = { MIGRATIONS, RUN_INDEX_MIGRATIONS, THREAD_MIGRATIONS, THREAD_INDEX_MIGRATIONS, ACTION_RUN_MIGRATIONS };
  for (const [name, shipped] of Object.entries(lists)) {
    it(`${name}: the second new object is created from the first one's schema in one script, the same schema`, async () => {
      const list = [...shipped]; // a list of its own: no object of this isolate migrated it yet
      const first = await runInDurableObject(scratch(), (_i, state) => {
        const sql = new Sql(state.storage);
        expect(schemaSnapshot(list)).toBeUndefined();
        migrate(sql, list);
        return schemaOf(sql);
      });
      const script = schemaSnapshot(list);
      expect(typeof script).toBe("string");
      expect(script).not.toMatch(/ALTER TABLE/);
      const second = await runInDurableObject(scratch(), (_i, state) => {
        const sql = new Sql(state.storage);
        migrate(sql, list);
        expect(version(sql)).toBe(list.length);
        return schemaOf(sql);
      });
      expect(second).toEqual(first);
      expect(first.objects.length).toBeGreaterThan(1);
    });
  }

  it("leaves lazy tables and what belongs to them out of the script; made from their own text, the schema is the first object's", async () => {
    const list = [...MIGRATIONS];
    const lazy = Object.keys(LAZY_TABLES);
    // SQLite keeps each statement's text as written: compared without its layout.
    const normalized = (schema: ReturnType<typeof schemaOf>) => ({
      ...schema,
      objects: schema.objects.map((o) => ({ ...o, sql: String(o.sql ?? "").replace(/\s+/g, " ") })),
    });
    const first = await runInDurableObject(scratch(), (_i, state) => {
      const sql = new Sql(state.storage);
      expect(migrate(sql, list, probeSchema(sql), lazy)).toBe(true);
      return normalized(schemaOf(sql));
    });
    for (const table of lazy) expect(schemaSnapshot(list, lazy)).not.toMatch(new RegExp(`\\b${table}\\b`));
    await runInDurableObject(scratch(), (_i, state) => {
      const sql = new Sql(state.storage);
      expect(migrate(sql, list, probeSchema(sql), lazy)).toBe(true);
      const tables = sql.all("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name));
      expect(tables.filter((t) => lazy.includes(t))).toEqual([]);
      for (const ddl of Object.values(LAZY_TABLES)) sql.exec(ddl);
      expect(normalized(schemaOf(sql))).toEqual(first);
    });
    // The same migrations without the list, in the same isolate (the bench's bare objects): every table.
    const full = await runInDurableObject(scratch(), (_i, state) => {
      const sql = new Sql(state.storage);
      expect(migrate(sql, list, probeSchema(sql))).toBe(true);
      return normalized(schemaOf(sql));
    });
    expect(full).toEqual(first);
  });

  it("creates an object that probeSchema found empty with one statement: the same schema and version", async () => {
    const list = [...MIGRATIONS];
    const first = await runInDurableObject(scratch(), (_i, state) => {
      const sql = new Sql(state.storage);
      expect(migrate(sql, list, probeSchema(sql))).toBe(true);
      return schemaOf(sql);
    });
    await runInDurableObject(scratch(), (_i, state) => {
      let statements = 0;
      const sql = new Sql({
        sql: {
          exec: (query, ...bindings) => {
            statements++;
            return state.storage.sql.exec(query, ...bindings);
          },
        },
        transactionSync: (fn) => state.storage.transactionSync(fn),
      });
      const probe = probeSchema(sql);
      expect(probe).toEqual({ migrated: false, empty: true });
      expect(migrate(sql, list, probe)).toBe(true);
      expect(statements).toBe(2);
      expect(version(sql)).toBe(list.length);
      expect(schemaOf(sql)).toEqual(first);
      expect(probeSchema(sql)).toEqual({ migrated: true, empty: false });
      expect(migrate(sql, list, probeSchema(sql))).toBe(false);
    });
  });

  it("migrates an object whose probe found tables of its own as before: later migrations apply, rows stay", async () => {
    const list = ["CREATE TABLE p (x INTEGER)", "ALTER TABLE p ADD COLUMN y INTEGER"];
    await runInDurableObject(scratch(), (_i, state) => {
      const sql = new Sql(state.storage);
      migrate(sql, list.slice(0, 1));
      sql.exec("INSERT INTO p (x) VALUES (7)");
      expect(migrate(sql, list, probeSchema(sql))).toBe(false);
      expect(version(sql)).toBe(2);
      expect(sql.all("SELECT x, y FROM p")).toEqual([{ x: 7, y: null }]);
    });
  });

  it("takes an object holding only the runtime's own tables (locally miniflare's __miniflare_do_name) as new", async () => {
    const list = ["CREATE TABLE a (x INTEGER)", "ALTER TABLE a ADD COLUMN y TEXT"];
    await runInDurableObject(scratch(), (_i, state) => migrate(new Sql(state.storage), list));
    const script = schemaSnapshot(list);
    expect(script).toMatch(/^CREATE TABLE a \(x INTEGER, y TEXT\);$/);
    await runInDurableObject(scratch(), (_i, state) => {
      state.storage.sql.exec("CREATE TABLE __runtime_names (name TEXT)");
      state.storage.sql.exec("INSERT INTO __runtime_names VALUES ('x')");
      const sql = new Sql(state.storage);
      migrate(sql, list);
      expect(version(sql)).toBe(2);
      expect(sql.all("SELECT name FROM pragma_table_info('a')")).toEqual([{ name: "x" }, { name: "y" }]);
    });
    expect(schemaSnapshot(list)).toBe(script);
  });

  it("keeps no script for the pool's and the schedule's migrations, which insert their object's row", async () => {
    for (const shipped of [WORKPOOL_MIGRATIONS, SCHEDULE_MIGRATIONS]) {
      const list = [...shipped];
      await runInDurableObject(scratch(), (_i, state) => migrate(new Sql(state.storage), list));
      expect(schemaSnapshot(list)).toBeNull();
    }
  });

  it("keeps no script when the migrations leave rows: every new object runs them and gets the rows", async () => {
    const list = ["CREATE TABLE kinds (name TEXT PRIMARY KEY)", "INSERT INTO kinds VALUES ('a'), ('b'); ALTER TABLE kinds ADD COLUMN note TEXT"];
    for (let i = 0; i < 2; i++) {
      await runInDurableObject(scratch(), (_i, state) => {
        const sql = new Sql(state.storage);
        migrate(sql, list);
        expect(sql.all("SELECT name, note FROM kinds ORDER BY name")).toEqual([
          { name: "a", note: null },
          { name: "b", note: null },
        ]);
      });
      expect(schemaSnapshot(list)).toBeNull();
    }
  });
});

/** The runs table an index made before migrations holds. */
const LEGACY_RUNS = `CREATE TABLE runs (
  run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL)`;

describe("the run index", () => {
  it("takes an index made before migrations (its tables, no _schema) as version 1, rows intact", async () => {
    const index = env.RUN_INDEX.getByName(`legacy-${crypto.randomUUID()}`);
    await runInDurableObject(index, (_instance, state) => {
      // Back to what the constructor used to leave: the tables only, as they were then.
      state.storage.sql.exec("DROP TABLE _schema");
      state.storage.sql.exec("DROP TABLE runs");
      state.storage.sql.exec("DROP TABLE signal_waits");
      state.storage.sql.exec("DROP TABLE run_counts");
      state.storage.sql.exec("DROP TABLE shards");
      state.storage.sql.exec(LEGACY_RUNS);
      state.storage.sql.exec("INSERT INTO runs VALUES ('run_old', 'greet', 'completed', 1, 2, 3)");
    });
    await evictDurableObject(index);
    // Every later migration applied on top: the run is on workflow version 1, as every run was then; it
    // waits for nothing, and ended when it was last pushed.
    const runs = [{ runId: "run_old", workflow: "greet", status: "completed", createdAt: 1, updatedAt: 2, version: 1, waitingFor: [], completedAt: 2 }];
    expect(await index.list({})).toEqual({ ok: true, value: { runs, nextCursor: null } });
    await runInDurableObject(index, (_instance, state) => expect(version(new Sql(state.storage))).toBe(RUN_INDEX_MIGRATIONS.length));
  });
});
