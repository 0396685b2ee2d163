// A step transition is one statement: the row and its event go through schema migration 10's views,
// whose triggers write both. What the statement changes, and what it leaves as it was. An attempt's
// start waits a few microtasks for the step's end, and both go in as one row; it is never lost.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
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
