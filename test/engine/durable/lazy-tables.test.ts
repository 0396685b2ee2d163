// The run object's rarely written tables (schema.ts, LAZY_TABLES) in real Durable Object storage: a new
// run object is created without them, a read of one that is not there finds nothing and creates nothing,
// a write creates its table, and a creation rolled back with its transaction is made again.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { noUsage } from "../../../src/engine/core/usage.ts";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { LAZY_TABLES } from "../../../src/engine/durable/schema.ts";
import { Sql } from "../../../src/kernel/index.ts";
import { runStub } from "../../helpers/runtime.ts";

const LAZY = Object.keys(LAZY_TABLES).sort();

function schema(state: DurableObjectState): { name: string; sql: string }[] {
  return new Sql(state.storage).all("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE '_cf_%' ORDER BY name") as { name: string; sql: string }[];
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
      // Each with the text the migrations give it: an object migrated step by step has the same tables.
      for (const o of schema(state).filter((o) => LAZY.includes(o.name))) {
        expect(o.sql.replace(/\s+/g, " ")).toBe(LAZY_TABLES[o.name as keyof typeof LAZY_TABLES].replace(/\s+/g, " "));
      }

      const again = reopened(state);
      expect(again.getPatch("c")).toEqual({ changeId: "c", value: true, seq: 2, at: 5 });
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
