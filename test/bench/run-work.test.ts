// The bench's bare model of a run's storage work (bench/floor.ts, StartWorkObject.runWork) must store
// what a new run object stores for a run of quick steps: the same tables, rows and events, ids, times
// and the workflow's name aside. When the engine's writes change, this fails until the model follows,
// so the bench's "storage work" rows go on measuring the engine's storage and nothing else.
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { StartWorkObject } from "../../bench/floor.ts";
import { runStub, settle, startRun } from "../helpers/runtime.ts";

/** What an object's run tables hold, without ids, times, the run's id, its workflow's name or its index shard (a setting). */
function stored(sql: SqlStorage) {
  const rows = (query: string) => sql.exec(query).toArray();
  const anonymous = (data: string) => {
    const { runId: _runId, workflow: _workflow, ...rest } = JSON.parse(data) as Record<string, unknown>;
    return rest;
  };
  return {
    schema: rows("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"),
    run: rows(`SELECT args, status, result, error, parent, on_complete, version,
      indexed_status IS NOT NULL AS indexed, expires_at > completed_at AS expires FROM run`),
    steps: rows("SELECT seq, name, kind, status, attempts, args, result, error, wake_at, detail, completed_at >= started_at AS ended FROM steps ORDER BY seq"),
    events: rows("SELECT type, data FROM events ORDER BY seq").map((e) => ({ type: e.type, data: anonymous(String(e.data)) })),
    timers: rows("SELECT kind, seq FROM timers ORDER BY at, id"),
  };
}

/** A run of `steps` quick steps through the engine (the test Worker's `chain`), once its side effects are done. */
async function engineRun(steps: number): Promise<ReturnType<typeof stored>> {
  const { runId, stub, status } = await startRun("chain", { steps, waitAtEnd: false });
  expect(status).toBe("completed");
  await settle(stub);
  return runInDurableObject(runStub(runId), (_instance, state) => stored(state.storage.sql));
}

/** The same run's storage work on a bare object, by the bench's model. */
async function bareRun(steps: number): Promise<ReturnType<typeof stored>> {
  // An object of the run class that no start reached: its storage is empty, as a new bare object's is.
  const bare = runStub(`run-work-${crypto.randomUUID()}`);
  await runInDurableObject(bare, async (_instance, state) => {
    // SAFETY: runWork reads only env.FLOOR, which the test Worker lacks: the index's entry is left out.
    const model = new StartWorkObject(state, {} as never);
    await model.runWork(`run_${crypto.randomUUID()}`, steps);
    await model.sideEffects;
  });
  // A second call, after the first's side effects (the expiry's transaction) ran.
  return runInDurableObject(bare, (_instance, state) => stored(state.storage.sql));
}

describe("the bench's bare model of a run's storage work", () => {
  // The isolate's first run object migrates step by step and so has every table; the ones after it are
  // created as a start creates them (the schema's script, without the tables made at first use).
  beforeAll(async () => {
    await startRun("chain", { steps: 0 });
  });

  it.each([10, 600])("stores what the engine stores for a run of %i quick steps", async (steps) => {
    const [engine, bare] = [await engineRun(steps), await bareRun(steps)];
    expect(bare.steps).toHaveLength(steps);
    expect(bare.events).toHaveLength(2 * steps + 2);
    expect(bare).toEqual(engine);
  });
});
