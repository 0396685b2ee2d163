// The kernel's migration runner in real Durable Object storage: each migration applies once with its
// version, a failing one rolls back alone, and a run index made before it had migrations keeps its rows.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RUN_INDEX_MIGRATIONS } from "../../src/engine/durable/run-index-schema.ts";
import { isMigrated, migrate, Sql } from "../../src/kernel/index.ts";

const version = (sql: Sql) => sql.first("SELECT version FROM _schema WHERE id = 1")?.version;

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
      expect(sql.hasTable("b")).toBe(true);
      expect(sql.hasTable("c")).toBe(false);
    });
  });

  it("isMigrated creates nothing on an object that never held data", async () => {
    await runInDurableObject(scratch(), (_instance, state) => {
      expect(isMigrated(new Sql(state.storage))).toBe(false);
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master").toArray()).toEqual([]);
    });
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
