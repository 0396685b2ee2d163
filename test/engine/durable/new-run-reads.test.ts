// A start creates its object, and every statement counts there: SQLite has prepared none of them yet.
// So a store that created the object in this instance reads nothing it already knows (the schema, an
// empty journal, signal buffer, list of owed cancels and usage; its timers; the run row it just wrote), and an
// instance that finds the object already there reads everything as before. Statements are counted at
// the storage the store is given.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { counted } from "../../helpers/counted-storage.ts";
import { runStub } from "../../helpers/runtime.ts";

/** Statements `fn` ran through `c`, and its value. */
function measure<T>(c: ReturnType<typeof counted>, fn: () => T): [T, number] {
  const before = c.statements();
  const value = fn();
  return [value, c.statements() - before];
}

const run = (runId: string) => ({ runId, workflow: "w", args: "{}", parent: null, indexShard: 0, now: 1_000 });

/** A step that waits for the signal "go". */
const signalWait = (seq: number, now: number) =>
  ({ seq, name: "go", kind: "signal", status: "waiting", attempts: 0, args: null, detail: '{"signal":"go","timeoutAt":null}', now }) as const;

/** What a start does first with its store: looks, creates the schema, inserts the run row. */
function created(store: RunStore, runId: string): void {
  store.exists();
  store.migrate();
  store.insertRun(run(runId));
}

/** A run object of the test Worker, with a store over its counted storage. */
async function inNewObject(fn: (store: RunStore, c: ReturnType<typeof counted>, storage: DurableObjectStorage) => Promise<void> | void): Promise<void> {
  const runId = `reads-${crypto.randomUUID()}`;
  await runInDurableObject(runStub(runId), async (_instance, state) => {
    const c = counted(state.storage);
    await fn(new RunStore(c.storage), c, state.storage);
  });
}

describe("a store that created its object", () => {
  it("looks at the schema once and creates it in one script; a second migrate runs nothing", async () => {
    // The first run object of the isolate migrates step by step and keeps the schema's snapshot.
    await inNewObject((store) => {
      store.exists();
      store.migrate();
    });
    await inNewObject((store, c) => {
      const [exists, probing] = measure(c, () => store.exists());
      expect(exists).toBe(false);
      expect(probing).toBe(1);
      expect(measure(c, () => store.migrate())[1]).toBe(1);
      expect(measure(c, () => store.migrate())[1]).toBe(0);
      const [record] = measure(c, () => store.insertRun(run("run_a")));
      expect(record).toMatchObject({ runId: "run_a", workflow: "w", status: "running", createdAt: 1_000, indexShard: 0, version: 1, onComplete: "none" });
      expect(store.getRun()).toEqual(record);
    });
  });

  it("knows its journal, signal buffer, owed cancels and usage are empty, and reads each once it is written", async () => {
    await inNewObject((store, c) => {
      created(store, "run_b");
      expect(measure(c, () => store.replayJournal())).toEqual([[], 0]);
      expect(measure(c, () => store.pendingSignalFor("go", 0))).toEqual([undefined, 0]);
      expect(measure(c, () => store.childCancels())).toEqual([[], 0]);
      expect(measure(c, () => store.usage.total())).toEqual([{ inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] }, 0]);

      store.addChildCancel({ runId: "run_child", workflow: "w", args: null, parentSeq: 3 });
      expect(store.childCancels()).toEqual([{ runId: "run_child", workflow: "w", args: null, parentSeq: 3 }]);
      store.usage.record(1, 1, [{ key: null, model: "m", provider: "p", inputTokens: 2, outputTokens: 3, totalTokens: 5 }]);
      expect(store.usage.total()).toMatchObject({ inputTokens: 2, outputTokens: 3, totalTokens: 5 });

      const id = store.insertSignal("go", '"yes"', 2_000);
      const [pending, reads] = measure(c, () => store.pendingSignalFor("go", 0));
      expect(pending).toEqual({ id, payload: '"yes"' });
      expect(reads).toBe(1);

      store.insertStep({ seq: 0, name: "go", kind: "signal", status: "waiting", attempts: 0, args: null, now: 2_000 });
      expect(store.replayJournal().map((e) => [e.seq, e.name, e.status])).toEqual([[0, "go", "waiting"]]);
    });
  });

  it("an instance that finds the object there reads what it holds", async () => {
    await inNewObject((first, _c, storage) => {
      created(first, "run_c");
      first.insertSignal("go", null, 2_000);
      first.insertStep({ seq: 0, name: "fetch", kind: "action", status: "completed", attempts: 1, args: "[]", result: "1", now: 2_000 });

      const c = counted(storage);
      const again = new RunStore(c.storage);
      expect(again.exists()).toBe(true);
      expect(measure(c, () => again.migrate())[1]).toBeGreaterThan(0);
      expect(again.replayJournal().map((e) => [e.seq, e.status])).toEqual([[0, "completed"]]);
      expect(again.pendingSignalFor("go", 1)).toMatchObject({ payload: null });
      expect(measure(c, () => again.childCancels())[1]).toBe(1);
      expect(measure(c, () => again.usage.total())[1]).toBe(1);
    });
  });

  it("knows its timers: the earliest needs no read, and agrees with SQLite after every kind of write", async () => {
    await inNewObject((store, c, storage) => {
      created(store, "run_t");
      /** What an instance that reads SQLite says. */
      const stored = () => {
        const other = new RunStore(storage);
        return [other.earliestTimer(), other.earliestTimer(true), other.hasTimersOtherThanWatchdog()];
      };
      const known = () => {
        const [value, reads] = measure(c, () => [store.earliestTimer(), store.earliestTimer(true), store.hasTimersOtherThanWatchdog()]);
        expect(reads).toBe(0);
        return value;
      };
      expect(known()).toEqual([null, null, false]);
      store.setTimer("watchdog", -1, 9_000);
      store.setTimer("sleep", 0, 5_000);
      store.setTimer("retry", 1, 7_000);
      expect(known()).toEqual([5_000, 9_000, true]);
      expect(known()).toEqual(stored());
      store.setTimer("sleep", 0, 8_000);
      store.deleteStepTimers(1);
      expect(known()).toEqual([8_000, 9_000, true]);
      expect(known()).toEqual(stored());
      store.deleteTimer("sleep", 0);
      expect(known()).toEqual([9_000, 9_000, false]);
      // A rolled-back transaction's timer never happened: the store reads SQLite from then on.
      expect(() =>
        store.transaction(() => {
          store.setTimer("sleep", 2, 1_000);
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(store.earliestTimer()).toBe(9_000);
      expect(measure(c, () => store.earliestTimer())[1]).toBe(1);
    });
  });

  it("keeps the watchdog it knows when a run ends, so the alarm stays where it is", async () => {
    await inNewObject((store, c, storage) => {
      created(store, "run_w");
      const stored = () => new RunStore(storage).timers().map((t) => [t.kind, t.at]);
      store.setTimer("watchdog", -1, 9_000);
      store.setTimer("sleep", 0, 5_000);
      // Due within (2,000, 32,000]: kept; every other timer goes.
      store.onlyWatchdog(2_000, 32_000);
      expect(stored()).toEqual([["watchdog", 9_000]]);
      expect(measure(c, () => store.earliestTimer())).toEqual([9_000, 0]);
      // Nothing else to delete: no statement at all.
      expect(measure(c, () => store.onlyWatchdog(3_000, 33_000))[1]).toBe(0);
      expect(stored()).toEqual([["watchdog", 9_000]]);
      // Due already, or later than the end's watchdog would be (an hourly one): moved to `by`.
      store.onlyWatchdog(9_000, 39_000);
      expect(stored()).toEqual([["watchdog", 39_000]]);
      store.setTimer("watchdog", -1, 3_600_000);
      store.onlyWatchdog(10_000, 40_000);
      expect(stored()).toEqual([["watchdog", 40_000]]);
      expect(store.earliestTimer()).toBe(40_000);
    });
  });

  it("an instance that does not know its timers arms the end's watchdog anew", async () => {
    await inNewObject((first, _c, storage) => {
      created(first, "run_x");
      first.setTimer("watchdog", -1, 9_000);
      first.setTimer("retry", 1, 4_000);
      const again = new RunStore(storage);
      again.exists();
      again.migrate();
      again.onlyWatchdog(2_000, 32_000);
      expect(again.timers().map((t) => [t.kind, t.at])).toEqual([["watchdog", 32_000]]);
    });
  });

  it("finds the earliest of many timers in SQLite, past the ones it keeps", async () => {
    await inNewObject((store, c) => {
      created(store, "run_many");
      for (let seq = 0; seq < 100; seq++) store.setTimer("sleep", seq, 10_000 - seq);
      const [earliest, reads] = measure(c, () => store.earliestTimer());
      expect(earliest).toBe(9_901);
      expect(reads).toBe(1);
      store.deleteAllTimers();
      expect(store.earliestTimer()).toBeNull();
    });
  });

  it("knows its open steps: asking runs no statement, and agrees with SQLite after every kind of write", async () => {
    await inNewObject((store, c, storage) => {
      created(store, "run_o");
      /** What an instance that reads SQLite says, once this store's deferred start (if any) is written. */
      const stored = () => {
        store.lastEventSeq();
        return new RunStore(storage).openSteps();
      };
      const known = () => {
        const [open, reads] = measure(c, () => store.openSteps());
        expect(reads).toBe(0);
        return open;
      };
      expect(known()).toEqual([]);
      // The run row was written in this turn, so this start is deferred: open, though not written yet.
      store.insertStep({ seq: 0, name: "fetch", kind: "action", status: "running", attempts: 1, args: "[1]", now: 2_000 });
      expect(known()).toMatchObject([{ seq: 0, status: "running", args: "[1]", startedAt: 2_000, result: null }]);
      // Its end writes the row as it ended: settled, no longer open.
      store.updateStep(0, { status: "completed", result: "1", completedAt: 2_001 }, 2_001);
      expect(known()).toEqual([]);
      store.insertStep({ seq: 2, name: "nap", kind: "sleep", status: "sleeping", attempts: 0, args: null, wakeAt: 9_000, now: 2_002 });
      store.insertStep({ seq: 1, name: "call", kind: "action", status: "running", attempts: 1, args: null, now: 2_002 });
      store.updateStep(1, { status: "retrying", attempts: 2, error: '{"code":"x","message":"m"}', wakeAt: 4_000 }, 2_003);
      store.insertStep(signalWait(3, 2_004));
      store.updateStep(3, { status: "waiting", detail: '{"signal":"go","timeoutAt":null,"label":"Approve"}' }, 2_005, { event: false });
      expect(known().map((s) => [s.seq, s.status])).toEqual([
        [1, "retrying"],
        [2, "sleeping"],
        [3, "waiting"],
      ]);
      expect(known()).toEqual(stored());
      store.updateStep(2, { status: "abandoned", completedAt: 2_006 }, 2_006);
      store.updateStep(1, { status: "failed", error: '{"code":"x","message":"m"}', completedAt: 2_007 }, 2_007);
      store.copyStep({ ...stored()[0]!, seq: 4, status: "sleeping", wakeAt: 8_000 });
      expect(known().map((s) => [s.seq, s.status])).toEqual([
        [3, "waiting"],
        [4, "sleeping"],
      ]);
      expect(known()).toEqual(stored());
      // What a caller does with the steps it was given does not change what the store knows.
      known()[0]!.status = "completed";
      expect(known()).toEqual(stored());
      // A rolled-back transaction's step never happened: the store reads SQLite once, then knows again.
      expect(() =>
        store.transaction(() => {
          store.insertStep({ seq: 5, name: "later", kind: "sleep", status: "sleeping", attempts: 0, args: null, wakeAt: 9_500, now: 2_008 });
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      const [open, reads] = measure(c, () => store.openSteps());
      expect(reads).toBe(1);
      expect(open.map((s) => s.seq)).toEqual([3, 4]);
      expect(known()).toEqual(open);
    });
  });

  it("an instance that finds the object there reads its open steps once, then keeps them", async () => {
    await inNewObject((first, _c, storage) => {
      created(first, "run_p");
      first.insertStep({ seq: 0, name: "nap", kind: "sleep", status: "sleeping", attempts: 0, args: null, wakeAt: 9_000, now: 2_000 });
      first.insertStep(signalWait(1, 2_000));

      const c = counted(storage);
      const again = new RunStore(c.storage);
      again.exists();
      again.migrate();
      const [open, reads] = measure(c, () => again.openSteps());
      expect(reads).toBe(1);
      expect(open.map((s) => [s.seq, s.status])).toEqual([
        [0, "sleeping"],
        [1, "waiting"],
      ]);
      // A step journaled before this instance settles: read for its event, then gone from what it keeps.
      again.updateStep(0, { status: "completed", result: "null", completedAt: 9_000 }, 9_000);
      const [after, none] = measure(c, () => again.openSteps());
      expect(none).toBe(0);
      expect(after).toEqual(new RunStore(storage).openSteps());
      expect(after.map((s) => s.seq)).toEqual([1]);
    });
  });

  it("hands back the run row from the writes that change it", async () => {
    await inNewObject((store) => {
      created(store, "run_e");
      store.finishRun({ status: "completed", result: "1", error: null, onComplete: "pending", now: 2_000 });
      expect(store.markOnCompleteDone(3_000)).toEqual(store.getRun());
      expect(store.getRun()).toMatchObject({ status: "completed", onComplete: "done", updatedAt: 3_000 });
      expect(store.setExpiry(9_000)).toEqual(store.getRun());
      expect(store.getRun()?.expiresAt).toBe(9_000);
    });
  });

  it("after deleting everything, creates the schema again for the next run", async () => {
    await inNewObject(async (store) => {
      created(store, "run_d");
      store.insertSignal("go", null, 2_000);
      await store.deleteEverything();
      expect(store.exists()).toBe(false);
      store.migrate();
      expect(store.insertRun(run("run_d"))).toMatchObject({ runId: "run_d", status: "running" });
      expect(store.pendingSignalFor("go", 0)).toBeUndefined();
      expect(store.replayJournal()).toEqual([]);
    });
  });
});
