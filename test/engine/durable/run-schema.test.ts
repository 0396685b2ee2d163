// The run object's schema in real Durable Object storage, migration 12: events, timers and signals
// without AUTOINCREMENT. An object migrated from 11 keeps every row and id, new rows take ids past the
// largest, the step views write as before, and a step with both its events writes 3 rows, not 4.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { CREATE_STEP_VIEWS, MIGRATIONS } from "../../../src/engine/durable/schema.ts";
import { migrate, Sql } from "../../../src/kernel/index.ts";
import { runStub } from "../../helpers/runtime.ts";

const STEP_INSERT = `INSERT INTO step_inserts (seq, name, kind, status, attempts, args, result, error, started_at, completed_at, wake_at, detail,
   event_type, event_data, end_type, end_data, end_at) VALUES (?, 'fetch', 'run', 'completed', 1, NULL, '1', NULL, 10, 11, NULL, NULL,
   'step.started', '{}', 'step.completed', '{}', 11)`;

const autoincrementTables = (sql: Sql) =>
  sql.all("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%' ORDER BY name").map((r) => r.name);

describe("the run object's schema", () => {
  it("migration 12 keeps the rows and ids of events, timers and signals; new rows take ids past the largest", async () => {
    await runInDurableObject(runStub(`schema-${crypto.randomUUID()}`), (_instance, state) => {
      const sql = new Sql(state.storage);
      migrate(sql, MIGRATIONS.slice(0, 11));
      expect(autoincrementTables(sql)).toEqual(["events", "signals", "timers"]);
      sql.exec(STEP_INSERT, 0);
      sql.exec("INSERT INTO events (type, data, at) VALUES ('run.paused', '{}', 12)");
      sql.exec("INSERT INTO timers (at, kind, seq) VALUES (100, 'sleep', 1), (50, 'watchdog', -1), (100, 'retry', 2)");
      sql.exec(
        "INSERT INTO signals (name, payload, received_at, consumed_seq, target_after, refused) VALUES ('go', '1', 5, 3, NULL, NULL), ('go', NULL, 6, NULL, 2, '[]')",
      );
      const events = sql.all("SELECT * FROM events ORDER BY seq");
      const timers = sql.all("SELECT * FROM timers ORDER BY id");
      const signals = sql.all("SELECT * FROM signals ORDER BY id");
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);

      migrate(sql, MIGRATIONS.slice());
      expect(sql.first("SELECT version FROM _schema")?.version).toBe(MIGRATIONS.length);
      expect(autoincrementTables(sql)).toEqual([]);
      expect(sql.all("SELECT * FROM events ORDER BY seq")).toEqual(events);
      expect(sql.all("SELECT * FROM timers ORDER BY id")).toEqual(timers);
      expect(sql.all("SELECT * FROM signals ORDER BY id")).toEqual(signals);
      // The indexes came back with the tables: the unique one still refuses a second timer of a kind for a step.
      expect(() => sql.exec("INSERT INTO timers (at, kind, seq) VALUES (1, 'sleep', 1)")).toThrow(/UNIQUE/);
      expect(sql.all("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => r.name)).toEqual([
        "signals_pending",
        "steps_open",
        "timers_at",
        "timers_kind_seq",
      ]);

      // The views were dropped and created again: a step and its two events, in one statement, go on from seq 3.
      expect(sql.write(STEP_INSERT, 1)).toBe(3);
      expect(sql.all("SELECT seq, type FROM events WHERE seq > 3 ORDER BY seq")).toEqual([
        { seq: 4, type: "step.started" },
        { seq: 5, type: "step.completed" },
      ]);
      // A timer due at the same time as others still fires after them: its id is past every id there is.
      sql.exec("DELETE FROM timers WHERE id = 3");
      sql.exec("INSERT INTO timers (at, kind, seq) VALUES (100, 'sleep', 4)");
      expect(sql.all("SELECT kind, seq FROM timers WHERE at = 100 ORDER BY at, id")).toEqual([
        { kind: "sleep", seq: 1 },
        { kind: "sleep", seq: 4 },
      ]);
      expect(sql.first("SELECT MAX(id) AS id FROM signals")?.id).toBe(2);
      sql.exec("INSERT INTO signals (name, payload, received_at) VALUES ('go', NULL, 7)");
      expect(sql.first("SELECT MAX(id) AS id FROM signals")?.id).toBe(3);
    });
  });

  it("a new run object has no AUTOINCREMENT table, and a step with both its events writes 3 rows", async () => {
    // Twice: the first new object of the isolate may migrate step by step, the next ones take the script.
    for (let i = 0; i < 2; i++) {
      await runInDurableObject(runStub(`schema-${crypto.randomUUID()}`), (_instance, state) => {
        const store = new RunStore(state.storage);
        store.migrate();
        const sql = new Sql(state.storage);
        expect(autoincrementTables(sql)).toEqual([]);
        // The store makes the step views once a run has written enough steps (see PLAIN_STEP_WRITES).
        sql.exec(CREATE_STEP_VIEWS);
        expect(sql.write(STEP_INSERT, 0)).toBe(3);
        expect(sql.write("INSERT INTO events (type, data, at) VALUES ('run.paused', '{}', 12)")).toBe(1);
        expect(store.eventsAfter(0, 10).map((e) => [e.seq, e.type])).toEqual([
          [1, "step.started"],
          [2, "step.completed"],
          [3, "run.paused"],
        ]);
      });
    }
  });
});
