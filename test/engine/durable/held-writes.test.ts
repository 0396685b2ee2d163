// Quick steps are written in batches at the end of their turn (RunStore.#batch). When such a held write
// fails, steps the handler went past are missing from the journal: the object must write nothing after
// them and restart, and the new instance replays what is durable and runs the rest again.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../helpers/clock.ts";
import { fireAlarm, fireUntil, runStub, startRun } from "../../helpers/runtime.ts";

/** The journal's seqs, as stored. */
const seqs = (state: DurableObjectState) =>
  state.storage.sql
    .exec("SELECT seq FROM steps ORDER BY seq")
    .toArray()
    .map((r) => Number(r.seq));

describe("a held journal write that fails", () => {
  it("restarts the run object, which replays what is durable and completes the run", async () => {
    // Step 90 (seq 90) is the last before a pause: its batch is written by the deadline, within the turn,
    // where no caller sees the failure.
    const { runId, stub, status } = await startRun("sleep-then-chain", { steps: 100, pauseAfter: 89 });
    expect(status).toBe("sleeping");
    // A trap in the object's SQLite: the insert of step 90's row fails while it is armed. The first 64
    // step writes of a new object are plain statements; step 90 goes in a batch.
    await runInDurableObject(stub, (instance, state) => {
      // Its clock is at the sleep's end: the next alarm ends the sleep.
      manualClock(instance).stop(Date.now() + 60_000);
      state.storage.sql.exec(`CREATE TABLE trap (armed INTEGER);
        INSERT INTO trap VALUES (1);
        CREATE TRIGGER trap_step BEFORE INSERT ON steps WHEN NEW.seq = 90 AND EXISTS (SELECT 1 FROM trap)
        BEGIN SELECT RAISE(ABORT, 'trapped write'); END;`);
    });
    // The sleep ends, and the steps run into the trap: the object is aborted under the alarm.
    await expect(fireAlarm(stub)).rejects.toThrow("a held journal write failed");
    // A stub to an aborted object is broken; a fresh one reaches the new instance.
    const restarted = runStub(runId);
    await runInDurableObject(restarted, (_instance, state) => {
      // Nothing after the lost batch was written.
      expect(seqs(state).filter((s) => s >= 90)).toEqual([]);
      state.storage.sql.exec("DELETE FROM trap");
    });
    const done = await fireUntil(restarted, (v) => v.status === "completed" || v.status === "failed");
    expect(done.status).toBe("completed");
    expect(done.result).toBe(4_950);
    await runInDurableObject(restarted, (_instance, state) => {
      expect(seqs(state)).toEqual(Array.from({ length: 101 }, (_, i) => i));
      const events = state.storage.sql.exec("SELECT type, data FROM events WHERE type LIKE 'step.%'").toArray();
      // Each step's start and end once, the sleep's included.
      expect(events.filter((e) => e.type === "step.completed")).toHaveLength(101);
    });
  });
});
