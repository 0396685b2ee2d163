// What a new run object is created without, in real Durable Object storage: the rarely written tables
// (schema.ts, LAZY_TABLES), which a read finds empty without creating them and a write creates, again
// after a rollback; and the step views (STEP_VIEW_NAMES), before which a run's first step writes go as
// plain statements that leave the same rows.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { noUsage } from "../../../src/engine/core/usage.ts";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { CREATE_STEP_VIEWS, LAZY_TABLES, STEP_VIEW_NAMES } from "../../../src/engine/durable/schema.ts";
import { Sql } from "../../../src/kernel/index.ts";
import { runStub } from "../../helpers/runtime.ts";

const LAZY = Object.keys(LAZY_TABLES).sort();

function schema(state: DurableObjectState): { name: string; table: string; sql: string }[] {
  return new Sql(state.storage).all("SELECT name, tbl_name AS \"table\", sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' ORDER BY name") as {
    name: string;
    table: string;
    sql: string;
  }[];
}

function lazyTablesOf(state: DurableObjectState): string[] {
  return schema(state)
    .map((o) => o.name)
    .filter((n) => LAZY.includes(n));
}

/** Runs `fn` in a run object created from the isolate's script: the second new one at least. */
async function inScriptedObject<T>(fn: (store: RunStore, state: DurableObjectState) => T): Promise<T> {
  await runInDurableObject(runStub(`lazy-${crypto.randomUUID()}`), (_i, state) => new RunStore(state.storage).migrate());
  return runInDurableObject(runStub(`lazy-${crypto.randomUUID()}`), (_i, state) => {
    const store = new RunStore(state.storage);
    store.exists();
    store.migrate();
    return fn(store, state);
  });
}

/** A second store over the same storage, as after an eviction: it knows nothing of the tables. */
function reopened(state: DurableObjectState): RunStore {
  const store = new RunStore(state.storage);
  expect(store.exists()).toBe(true);
  store.migrate();
  return store;
}

const entry = { key: null, model: "m-1", provider: "test", inputTokens: 1, outputTokens: 2, totalTokens: 3 };

describe("the run object's lazily created tables", () => {
  it("a new run object has none of them; reads find nothing, in a new instance too, and create nothing", async () => {
    await inScriptedObject((store, state) => {
      expect(lazyTablesOf(state)).toEqual([]);
      for (const s of [store, reopened(state)]) {
        const before = schema(state);
        expect(s.getPatch("c")).toBeUndefined();
        expect(s.patchesBefore(10)).toEqual([]);
        expect(s.allPatches()).toEqual([]);
        expect(s.signalForKey("k")).toBeUndefined();
        expect(s.pendingSignalFor("go", 1)).toBeUndefined();
        expect(s.untakenSignals()).toEqual([]);
        expect(s.allSignals()).toEqual([]);
        expect(s.pendingSignalCount()).toBe(0);
        expect(s.childCancels()).toEqual([]);
        s.deleteChildCancel("run_child");
        expect(s.usage.total()).toEqual(noUsage());
        expect(s.usage.step(0)).toBeNull();
        expect(s.usage.bySteps().size).toBe(0);
        expect(s.usage.read(0, 0)).toBeUndefined();
        expect(s.usage.allReads()).toEqual([]);
        expect(schema(state)).toEqual(before);
      }
    });
  });

  it("a write creates its table as the migrations made it, and the next instance reads the rows", async () => {
    await inScriptedObject((store, state) => {
      store.insertPatch({ changeId: "c", value: true, seq: 2, at: 5 });
      store.copySignal({ name: "go", payload: '"yes"', receivedAt: 7 });
      store.rememberSignalKey("k", 1, 9);
      store.addChildCancel({ runId: "run_child", workflow: "w", args: null, parentSeq: 3 });
      store.usage.record(4, 1, [entry]);
      store.usage.insertRead({ seq: 4, n: 0, usage: store.usage.total() });
      expect(lazyTablesOf(state)).toEqual(LAZY);
      // Each with the text the migrations give it, its indexes too: an object migrated step by step has the same tables.
      const text = (sql: string) => sql.replace(/\s+/g, " ").trim();
      for (const table of LAZY) {
        const made = schema(state).filter((o) => o.table === table && o.sql !== null);
        expect(made.map((o) => text(o.sql))).toEqual(LAZY_TABLES[table as keyof typeof LAZY_TABLES].split(";").map(text));
      }

      const again = reopened(state);
      expect(again.getPatch("c")).toEqual({ changeId: "c", value: true, seq: 2, at: 5 });
      expect(again.pendingSignalFor("go", 1)).toEqual({ id: 1, payload: '"yes"' });
      expect(again.pendingSignalCount()).toBe(1);
      expect(again.signalForKey("k")).toEqual({ signalId: 1, at: 9, name: "go", payload: '"yes"' });
      expect(again.childCancels()).toEqual([{ runId: "run_child", workflow: "w", args: null, parentSeq: 3 }]);
      expect(again.usage.total()).toMatchObject({ inputTokens: 1, outputTokens: 2, totalTokens: 3 });
      expect(again.usage.allReads()).toEqual([{ seq: 4, n: 0, usage: expect.objectContaining({ totalTokens: 3 }) }]);
      again.deleteChildCancel("run_child");
      expect(reopened(state).childCancels()).toEqual([]);
    });
  });

  it("a table created in a transaction that rolls back is created again by the next write", async () => {
    await inScriptedObject((store, state) => {
      expect(() =>
        store.transaction(() => {
          store.insertPatch({ changeId: "c", value: true, seq: 2, at: 5 });
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(lazyTablesOf(state)).toEqual([]);
      expect(store.getPatch("c")).toBeUndefined();
      store.insertPatch({ changeId: "c", value: false, seq: 3, at: 6 });
      expect(lazyTablesOf(state)).toEqual(["patches"]);
      expect(reopened(state).getPatch("c")).toEqual({ changeId: "c", value: false, seq: 3, at: 6 });
    });
  });
});

/** A short run's step writes: starts and ends, a wait, a retried attempt's bookkeeping, an update of no step. */
function journalSteps(store: RunStore): void {
  store.insertStep({ seq: 0, name: "fetch", kind: "run", status: "running", attempts: 1, args: "[1]", now: 10 });
  store.updateStep(0, { status: "completed", result: '"x"', completedAt: 11 }, 11);
  store.insertStep({ seq: 1, name: "go", kind: "signal", status: "waiting", attempts: 0, args: null, now: 12, detail: '{"signal":"go"}' });
  store.updateStep(1, { status: "completed", result: "true", completedAt: 13, detail: null }, 13);
  store.insertStep({ seq: 2, name: "flaky", kind: "run", status: "retrying", attempts: 1, args: null, now: 14, error: '{"code":"e"}', wakeAt: 99 });
  store.updateStep(2, { status: "retrying", attempts: 2, wakeAt: 120 }, 15, { event: false });
  store.updateStep(2, { status: "failed", error: '{"code":"f"}', completedAt: 16 }, 16);
  store.insertStep({ seq: 3, name: "done", kind: "run", status: "completed", attempts: 1, args: null, now: 17, result: "3", completedAt: 17 });
  // Quick steps: each start waits for its end (this turn has written), and both go in one write.
  store.insertStep({ seq: 4, name: "quick", kind: "run", status: "running", attempts: 1, args: '{"n":4}', now: 18 });
  store.updateStep(4, { status: "completed", result: "4", completedAt: 19 }, 19);
  store.insertStep({ seq: 5, name: "nothing", kind: "action", status: "running", attempts: 1, args: null, now: 20 });
  store.updateStep(5, { status: "completed", result: null, completedAt: 20 }, 20);
}

function journal(state: DurableObjectState) {
  const sql = new Sql(state.storage);
  return { steps: sql.all("SELECT * FROM steps ORDER BY seq"), events: sql.all("SELECT seq, type, data, at FROM events ORDER BY seq") };
}

const stepViews = (state: DurableObjectState) => schema(state).filter((o) => (STEP_VIEW_NAMES as readonly string[]).includes(o.name));

describe("the step views of a new run object", () => {
  it("a short run writes its steps as plain statements, and leaves the rows the views would", async () => {
    const plain = await inScriptedObject(async (store, state) => {
      expect(stepViews(state)).toEqual([]);
      journalSteps(store);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(stepViews(state)).toEqual([]);
      return journal(state);
    });
    const viaViews = await inScriptedObject(async (_store, state) => {
      new Sql(state.storage).exec(CREATE_STEP_VIEWS);
      // An instance that found the object: it writes through the views it finds.
      journalSteps(reopened(state));
      // The quick steps' batch is written by its deadline, promise turns later, within this turn.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return journal(state);
    });
    expect(plain).toEqual(viaViews);
    expect(plain.steps).toHaveLength(6);
    expect(plain.events.map((e) => e.type)).toEqual([
      "step.started",
      "step.completed",
      "step.waiting",
      "step.completed",
      "step.retrying",
      "step.failed",
      "step.completed",
      "step.started",
      "step.completed",
      "step.started",
      "step.completed",
    ]);
    expect(plain.steps[4]).toMatchObject({ seq: 4, status: "completed", attempts: 1, args: '{"n":4}', result: "4", started_at: 18, completed_at: 19 });
    expect(plain.events.slice(-4).map((e) => [e.data, e.at])).toEqual([
      ['{"seq":4,"name":"quick","kind":"run","attempt":1}', 18],
      ['{"seq":4,"name":"quick","kind":"run","attempt":1}', 19],
      ['{"seq":5,"name":"nothing","kind":"action","attempt":1}', 20],
      ['{"seq":5,"name":"nothing","kind":"action","attempt":1}', 20],
    ]);
  });

  it("makes the views once the run has written enough steps, and an instance that finds an object without them makes them", async () => {
    await inScriptedObject(async (store, state) => {
      for (let seq = 0; seq < 100 && stepViews(state).length === 0; seq++) {
        store.insertStep({ seq, name: "s", kind: "run", status: "completed", attempts: 1, args: null, now: seq, result: "1", completedAt: seq });
      }
      expect(stepViews(state).map((o) => o.name)).toEqual(["step_inserts", "step_updates"]);
      expect(store.stepCount()).toBeGreaterThan(10);
    });
    await inScriptedObject(async (store, state) => {
      store.insertStep({ seq: 0, name: "s", kind: "run", status: "completed", attempts: 1, args: null, now: 1, result: "1", completedAt: 1 });
      expect(stepViews(state)).toEqual([]);
      const again = reopened(state);
      again.insertStep({ seq: 1, name: "s", kind: "run", status: "completed", attempts: 1, args: null, now: 2, result: "2", completedAt: 2 });
      expect(stepViews(state).map((o) => o.name)).toEqual(["step_inserts", "step_updates"]);
      expect(journal(state).steps.map((s) => s.result)).toEqual(["1", "2"]);
    });
  });
});
