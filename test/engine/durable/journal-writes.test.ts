// A step transition is one statement: the row and its event go through schema migration 10's views,
// whose triggers write both. What the statement changes, and what it leaves as it was. An attempt's
// start waits a few microtasks for the step's end, and both go in as one row; it is never lost. Quick
// steps that end so wait for the next ones, and up to eight go in one statement, within their turn.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { CREATE_STEP_VIEWS } from "../../../src/engine/durable/schema.ts";
import { counted } from "../../helpers/counted-storage.ts";
import { runStub } from "../../helpers/runtime.ts";

/** A store on a new, empty object of the run class (no run in it: only the journal is used). */
async function withStore(fn: (store: RunStore) => void): Promise<void> {
  await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), (_instance, state) => {
    const store = new RunStore(state.storage);
    store.migrate();
    fn(store);
  });
}

const step = { seq: 0, name: "fetch", kind: "action" as const, attempts: 1, args: "[]" };

describe("journal writes", () => {
  it("journal a new step and its event in one statement, the event at the step's start", async () => {
    await withStore((store) => {
      store.insertStep({ ...step, status: "running", now: 1_000 });
      expect(store.getStep(0)).toMatchObject({ seq: 0, name: "fetch", kind: "action", status: "running", attempts: 1, args: "[]", startedAt: 1_000 });
      expect(store.eventsAfter(0, 10)).toEqual([{ seq: 1, type: "step.started", data: { seq: 0, name: "fetch", kind: "action", attempt: 1 }, at: 1_000 }]);
    });
  });

  it("change only the fields a patch gives: one given as null is cleared, one left out stays", async () => {
    await withStore((store) => {
      store.insertStep({ ...step, status: "running", now: 1_000 });
      store.updateStep(0, { status: "retrying", error: JSON.stringify({ code: "x", message: "no" }), wakeAt: 5_000, detail: "d" }, 2_000);
      store.updateStep(0, { status: "running", attempts: 2, wakeAt: null }, 5_000);
      expect(store.getStep(0)).toMatchObject({
        status: "running",
        attempts: 2,
        wakeAt: null,
        detail: "d",
        error: JSON.stringify({ code: "x", message: "no" }),
      });
      store.updateStep(0, { status: "completed", result: "42", error: null, completedAt: 6_000 }, 6_000);
      expect(store.getStep(0)).toMatchObject({ status: "completed", attempts: 2, result: "42", error: null, completedAt: 6_000, wakeAt: null, detail: "d" });
      expect(store.eventsAfter(0, 10).map((e) => [e.type, e.data, e.at])).toEqual([
        ["step.started", { seq: 0, name: "fetch", kind: "action", attempt: 1 }, 1_000],
        ["step.retrying", { seq: 0, name: "fetch", kind: "action", attempt: 1, error: { code: "x", message: "no" }, until: 5_000 }, 2_000],
        ["step.started", { seq: 0, name: "fetch", kind: "action", attempt: 2 }, 5_000],
        ["step.completed", { seq: 0, name: "fetch", kind: "action", attempt: 2 }, 6_000],
      ]);
    });
  });

  it("write no event for a bookkeeping change, nor for a step that is not journaled", async () => {
    await withStore((store) => {
      store.insertStep({ ...step, status: "running", now: 1_000 });
      store.updateStep(0, { status: "running", detail: "quiet" }, 2_000, { event: false });
      expect(store.getStep(0)?.detail).toBe("quiet");
      store.updateStep(7, { status: "completed", result: "1", completedAt: 3_000 }, 3_000);
      expect(store.getStep(7)).toBeUndefined();
      expect(store.eventsAfter(0, 10).map((e) => e.type)).toEqual(["step.started"]);
    });
  });

  it("name the step in the event of a status change made by a later instance (read from the row)", async () => {
    await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), (_instance, state) => {
      const first = new RunStore(state.storage);
      first.migrate();
      first.insertStep({ ...step, seq: 3, status: "running", attempts: 2, now: 1_000 });
      expect(first.getStep(3)?.status).toBe("running");
      const later = new RunStore(state.storage);
      later.updateStep(3, { status: "completed", result: "1", completedAt: 2_000 }, 2_000);
      expect(later.eventsAfter(1, 10).map((e) => e.data)).toEqual([{ seq: 3, name: "fetch", kind: "action", attempt: 2 }]);
    });
  });

  it("journal an attempt that ends in the turn it started in, after a write of that turn, as one row with both events", async () => {
    await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), (_instance, state) => {
      const store = new RunStore(state.storage);
      store.migrate();
      // A second store on the same storage sees what is written, and writes nothing of the first's.
      const other = new RunStore(state.storage);
      store.appendEvent("run.note", {}, 999);
      store.insertStep({ ...step, status: "running", now: 1_000 });
      expect(other.getStep(0)).toBeUndefined();
      store.updateStep(0, { status: "completed", result: "7", completedAt: 1_004 }, 1_004);
      // Held for the next quick steps (see the batches below): the store's next statement writes it first.
      expect(other.getStep(0)).toBeUndefined();
      expect(store.getStep(0)).toMatchObject({ status: "completed" });
      expect(other.getStep(0)).toMatchObject({ status: "completed", attempts: 1, result: "7", startedAt: 1_000, completedAt: 1_004 });
      expect(other.eventsAfter(0, 10).map((e) => [e.seq, e.type, e.at])).toEqual([
        [1, "run.note", 999],
        [2, "step.started", 1_000],
        [3, "step.completed", 1_004],
      ]);
    });
  });

  it("write an attempt's start at once in a turn that has not written: nothing holds back what the attempt sends", async () => {
    await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), async (_instance, state) => {
      const store = new RunStore(state.storage);
      store.migrate();
      // A new turn: the migration's writes (not the store's own) are behind us.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const other = new RunStore(state.storage);
      store.insertStep({ ...step, status: "running", now: 1_000 });
      expect(other.getStep(0)).toMatchObject({ status: "running", startedAt: 1_000 });
      // Within the same turn, after that write, the next start waits for its end.
      store.insertStep({ ...step, seq: 1, status: "running", now: 1_001 });
      expect(other.getStep(1)).toBeUndefined();
      // A turn later, a start is written at once again.
      await new Promise((resolve) => setTimeout(resolve, 0));
      store.insertStep({ ...step, seq: 2, status: "running", now: 1_002 });
      expect(other.getStep(2)).toMatchObject({ status: "running" });
    });
  });

  it("write a deferred start before any other statement, and by itself within the turn when the step goes on", async () => {
    await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), async (_instance, state) => {
      const store = new RunStore(state.storage);
      store.migrate();
      store.appendEvent("run.note", {}, 999);
      store.insertStep({ ...step, status: "running", now: 1_000 });
      store.appendEvent("run.other", {}, 1_001);
      expect(store.eventsAfter(0, 10).map((e) => e.type)).toEqual(["run.note", "step.started", "run.other"]);
      store.insertStep({ ...step, seq: 1, status: "running", now: 1_002 });
      const other = new RunStore(state.storage);
      expect(other.getStep(1)).toBeUndefined();
      // Nothing else touches the storage: the deadline writes it, promise turns later, before the turn ends.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(other.getStep(1)).toMatchObject({ status: "running", startedAt: 1_002 });
      expect(other.eventsAfter(3, 10).map((e) => e.type)).toEqual(["step.started"]);
    });
  });

  it("count the journal's rows as they are written, a deferred start and a rollback included", async () => {
    await withStore((store) => {
      expect(store.stepCount()).toBe(0);
      store.insertStep({ ...step, status: "running", now: 1_000 });
      expect(store.stepCount()).toBe(1);
      store.insertStep({ ...step, seq: 1, status: "running", now: 1_001 });
      store.updateStep(1, { status: "completed", result: "1", completedAt: 1_002 }, 1_002);
      expect(store.stepCount()).toBe(2);
      expect(() =>
        store.transaction(() => {
          store.insertStep({ ...step, seq: 2, status: "running", now: 1_003 });
          throw new Error("later write failed");
        }),
      ).toThrow("later write failed");
      expect(store.stepCount()).toBe(2);
      store.insertStep({ ...step, seq: 2, status: "running", now: 1_004 });
      expect(store.stepCount()).toBe(3);
    });
  });

  it("leave neither the row nor its event when the transaction around them rolls back", async () => {
    await withStore((store) => {
      expect(() =>
        store.transaction(() => {
          store.insertStep({ ...step, status: "running", now: 1_000 });
          throw new Error("later write failed");
        }),
      ).toThrow("later write failed");
      expect(store.getStep(0)).toBeUndefined();
      expect(store.lastEventSeq()).toBe(0);
    });
  });
});

/**
 * A store over counted storage on a new object that has the step views (as an object past a short run's
 * first writes has), in a turn that has written already: a step's start then waits for its end.
 */
async function withBatchingStore(fn: (store: RunStore, c: ReturnType<typeof counted>, state: DurableObjectState) => Promise<void> | void): Promise<void> {
  await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), async (_instance, state) => {
    const creator = new RunStore(state.storage);
    creator.migrate();
    state.storage.sql.exec(CREATE_STEP_VIEWS);
    const c = counted(state.storage);
    const store = new RunStore(c.storage);
    store.appendEvent("run.note", {}, 999);
    await fn(store, c, state);
  });
}

/** A quick step: its start, and its end in the same turn with the same attempt. */
function quick(store: RunStore, seq: number, at: number): void {
  store.insertStep({ ...step, seq, name: `s${seq}`, kind: "run", args: null, status: "running", now: at });
  store.updateStep(seq, { status: "completed", result: String(seq * 10), completedAt: at + 1 }, at + 1);
}

const stepRows = (state: DurableObjectState) =>
  state.storage.sql.exec("SELECT seq, name, status, attempts, result, started_at AS startedAt, completed_at AS completedAt FROM steps ORDER BY seq").toArray();
const eventRows = (state: DurableObjectState) => state.storage.sql.exec("SELECT seq, type, data, at FROM events ORDER BY seq").toArray();

describe("journal writes of quick steps in batches", () => {
  it("write up to eight quick steps in one statement, and the rest before any other statement", async () => {
    await withBatchingStore((store, c, state) => {
      // The first makes sure of the views and reads what steps reported usage: once per instance.
      quick(store, 0, 990);
      const before = c.statements();
      for (let seq = 1; seq <= 10; seq++) quick(store, seq, 1_000 + seq * 10);
      // Eight went in one statement; three wait for more.
      expect(c.statements() - before).toBe(1);
      expect(stepRows(state).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      store.appendEvent("run.other", {}, 2_000);
      expect(c.statements() - before).toBe(3);
      expect(stepRows(state)[10]).toEqual({ seq: 10, name: "s10", status: "completed", attempts: 1, result: "100", startedAt: 1_100, completedAt: 1_101 });
      const events = eventRows(state);
      expect(events).toHaveLength(24);
      expect(events.slice(0, 5)).toEqual([
        { seq: 1, type: "run.note", data: "{}", at: 999 },
        { seq: 2, type: "step.started", data: '{"seq":0,"name":"s0","kind":"run","attempt":1}', at: 990 },
        { seq: 3, type: "step.completed", data: '{"seq":0,"name":"s0","kind":"run","attempt":1}', at: 991 },
        { seq: 4, type: "step.started", data: '{"seq":1,"name":"s1","kind":"run","attempt":1}', at: 1_010 },
        { seq: 5, type: "step.completed", data: '{"seq":1,"name":"s1","kind":"run","attempt":1}', at: 1_011 },
      ]);
      expect(events.slice(-3)).toEqual([
        { seq: 22, type: "step.started", data: '{"seq":10,"name":"s10","kind":"run","attempt":1}', at: 1_100 },
        { seq: 23, type: "step.completed", data: '{"seq":10,"name":"s10","kind":"run","attempt":1}', at: 1_101 },
        { seq: 24, type: "run.other", data: "{}", at: 2_000 },
      ]);
      expect(store.stepCount()).toBe(11);
    });
  });

  it("before the step views exist, write a batch as two plain statements: the rows, then their events in order", async () => {
    await runInDurableObject(runStub(`journal-${crypto.randomUUID()}`), (_instance, state) => {
      const c = counted(state.storage);
      // The store creates the object: its first step writes are plain statements, without the views.
      const store = new RunStore(c.storage);
      store.migrate();
      store.appendEvent("run.note", {}, 999);
      const before = c.statements();
      for (let seq = 0; seq < 8; seq++) quick(store, seq, 1_000 + seq * 10);
      expect(c.statements() - before).toBe(2);
      expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'step_inserts'").toArray()).toEqual([]);
      expect(stepRows(state)[7]).toEqual({ seq: 7, name: "s7", status: "completed", attempts: 1, result: "70", startedAt: 1_070, completedAt: 1_071 });
      const events = eventRows(state);
      expect(events.map((e) => [e.type, e.at])).toEqual([
        ["run.note", 999],
        ...Array.from({ length: 8 }, (_, i) => [
          ["step.started", 1_000 + i * 10],
          ["step.completed", 1_001 + i * 10],
        ]).flat(),
      ]);
      expect(events[16]).toEqual({ seq: 17, type: "step.completed", data: '{"seq":7,"name":"s7","kind":"run","attempt":1}', at: 1_071 });
    });
  });

  it("write held quick steps by themselves within the turn, and before a step that does not end quick", async () => {
    await withBatchingStore(async (store, c, state) => {
      quick(store, 0, 1_000);
      quick(store, 1, 1_010);
      // A step that fails: its write is the general statement, after the held ones.
      store.insertStep({ ...step, seq: 2, status: "running", now: 1_020 });
      expect(stepRows(state)).toEqual([]);
      store.updateStep(2, { status: "failed", error: '{"code":"x"}', completedAt: 1_021 }, 1_021);
      expect(stepRows(state).map((r) => [r.seq, r.status])).toEqual([
        [0, "completed"],
        [1, "completed"],
        [2, "failed"],
      ]);
      const before = c.statements();
      quick(store, 3, 1_030);
      quick(store, 4, 1_040);
      expect(stepRows(state)).toHaveLength(3);
      // Nothing else touches the storage: the deadline writes them, promise turns later, before the turn ends.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(c.statements() - before).toBe(1);
      expect(stepRows(state).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(eventRows(state).map((e) => e.type)).toEqual([
        "run.note",
        ...["step.started", "step.completed", "step.started", "step.completed", "step.started", "step.failed"],
        ...["step.started", "step.completed", "step.started", "step.completed"],
      ]);
    });
  });

  it("after a held write that failed, write nothing more and tell the object once", async () => {
    await withBatchingStore(async (store, _c, state) => {
      const lost: unknown[] = [];
      store.onLost = (err) => lost.push(err);
      quick(store, 0, 1_000);
      store.insertStep({ ...step, seq: 1, status: "running", now: 1_010 });
      // Behind the store's back, the seq its held write will take.
      state.storage.sql.exec("INSERT INTO steps (seq, name, kind, status, attempts, started_at) VALUES (1, 'other', 'run', 'running', 1, 1)");
      store.updateStep(1, { status: "completed", result: "1", completedAt: 1_011 }, 1_011);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(lost).toHaveLength(1);
      expect(String(lost[0])).toMatch(/UNIQUE/);
      // Every later statement refuses, so no step is journaled past the ones lost.
      expect(() => store.appendEvent("run.other", {}, 2_000)).toThrow(/UNIQUE/);
      expect(() => store.insertStep({ ...step, seq: 2, status: "completed", now: 2_001, result: "2", completedAt: 2_001 })).toThrow(/UNIQUE/);
      expect(lost).toHaveLength(1);
      expect(stepRows(state).map((r) => [r.seq, r.name])).toEqual([[1, "other"]]);
      expect(eventRows(state).map((e) => e.type)).toEqual(["run.note"]);
    });
  });
});
