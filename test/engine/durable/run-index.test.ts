// The run index in its own object: each run's workflow version, live runs counted per version (paused
// ones included), entries removed at the end of retention, pushes written together in order, and an index
// of schema 1 migrated in place.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IndexEntry } from "../../../src/engine/durable/index-entry.ts";
import type { RunIndex } from "../../../src/engine/durable/run-index.ts";
import { RUN_INDEX_MIGRATIONS } from "../../../src/engine/durable/run-index-schema.ts";
import { migrate, Sql } from "../../../src/kernel/index.ts";

/** Drops every table of the index (triggers go with theirs), to build an older schema by hand. */
function dropAll(state: DurableObjectState): void {
  for (const t of ["runs", "signal_waits", "run_counts", "shards", "_schema"]) state.storage.sql.exec(`DROP TABLE ${t}`);
}

const fresh = () => env.RUN_INDEX.getByName(`index-${crypto.randomUUID()}`);

const entry = (runId: string, workflow: string, status: string, workflowVersion: number, version = 1): IndexEntry => ({
  runId,
  workflow,
  status,
  createdAt: Number(runId.replace(/\D/g, "")),
  updatedAt: 1,
  version,
  workflowVersion,
});

describe("RunIndex", () => {
  it("counts the runs that have not ended per workflow version, paused ones included", async () => {
    const index = fresh();
    for (const e of [
      entry("r1", "a", "running", 1),
      entry("r2", "a", "paused", 1),
      entry("r3", "a", "completed", 1),
      entry("r4", "a", "waiting", 2),
      entry("r5", "a", "failed", 2),
      entry("r6", "b", "sleeping", 3),
      entry("r7", "b", "canceled", 1),
    ])
      await index.upsert(e);
    expect((await index.liveCounts()).live).toEqual([
      { workflow: "a", version: 1, live: 2 },
      { workflow: "a", version: 2, live: 1 },
      { workflow: "b", version: 3, live: 1 },
    ]);
    // A run that ends leaves the count; a late push of its earlier status does not bring it back.
    await index.upsert(entry("r4", "a", "completed", 2, 3));
    await index.upsert(entry("r4", "a", "waiting", 2, 2));
    expect((await index.liveCounts()).live.filter((c) => c.workflow === "a")).toEqual([{ workflow: "a", version: 1, live: 2 }]);
  });

  it("lists each run with its workflow version, and filters by status paused", async () => {
    const index = fresh();
    await index.upsert(entry("r1", "a", "running", 1));
    await index.upsert(entry("r2", "a", "paused", 4));
    expect(await index.list({ status: "paused" })).toEqual({
      ok: true,
      value: {
        runs: [{ runId: "r2", workflow: "a", status: "paused", createdAt: 2, updatedAt: 1, version: 4, waitingFor: [], completedAt: null }],
        nextCursor: null,
      },
    });
    // An entry pushed without a workflow version (a run object of before versions) is on version 1.
    const { workflowVersion: _drop, ...old } = entry("r3", "a", "running", 1);
    await index.upsert(old);
    const listed = await index.list({});
    expect(listed.ok && listed.value.runs.map((r) => [r.runId, r.version])).toEqual([
      ["r3", 1],
      ["r2", 4],
      ["r1", 1],
    ]);
  });

  it("removes an entry (the end of its run's retention), and a repeated remove is harmless", async () => {
    const index = fresh();
    await index.upsert(entry("r1", "a", "completed", 1));
    await index.upsert(entry("r2", "a", "running", 1));
    await index.remove("r1");
    await index.remove("r1");
    await index.remove("never-there");
    const listed = await index.list({});
    expect(listed.ok && listed.value.runs.map((r) => r.runId)).toEqual(["r2"]);
    await index.remove("r2");
    expect((await index.liveCounts()).live).toEqual([]);
  });

  it("writes pushes that arrive together in one batch after their turn, in the order they came", async () => {
    const index = fresh();
    await runInDurableObject(index, async (instance: RunIndex, state) => {
      const listed = () =>
        state.storage.sql
          .exec("SELECT run_id FROM runs ORDER BY run_id")
          .toArray()
          .map((r) => r.run_id);
      const r1 = entry("r1", "a", "running", 1);
      const together = [instance.upsert(r1), instance.upsert(entry("r2", "a", "waiting", 1)), instance.remove("r1"), instance.upsert({ ...r1, version: 2 })];
      // Nothing is written in the turn the pushes came in: they wait for the batch.
      expect(listed()).toEqual([]);
      await Promise.all(together);
      // In order: r1's remove came after its first push and before its second, which brought it back.
      expect(listed()).toEqual(["r1", "r2"]);
      // A push the index refuses fails at once, alone: the batch it would have joined is written.
      const next = instance.upsert(entry("r3", "a", "running", 1));
      expect(() => instance.upsert({ ...entry("r4", "a", "running", 1), version: 1.5 })).toThrow();
      await next;
      expect(listed()).toEqual(["r1", "r2", "r3"]);
    });
  });

  it("writes the pushes of one batch together and keeps, of each run, the newest version pushed", async () => {
    const index = fresh();
    await runInDurableObject(index, async (instance: RunIndex, state) => {
      const rows = (query: string) => state.storage.sql.exec(query).toArray();
      const r1 = entry("r1", "a", "running", 1, 2);
      const waiting: IndexEntry = {
        ...r1,
        status: "waiting",
        version: 3,
        waitingFor: [{ seq: 0, kind: "signal", signal: "approve", timeoutAt: null, since: 5 }],
      };
      // In one batch: r1 at version 2, then 3 (it waits for a signal), then 2 again (late), and r2.
      await Promise.all([instance.upsert(r1), instance.upsert(waiting), instance.upsert(r1), instance.upsert(entry("r2", "b", "completed", 1))]);
      expect(rows("SELECT run_id, status, version FROM runs ORDER BY run_id")).toEqual([
        { run_id: "r1", status: "waiting", version: 3 },
        { run_id: "r2", status: "completed", version: 1 },
      ]);
      expect(rows("SELECT run_id, seq, signal FROM signal_waits")).toEqual([{ run_id: "r1", seq: 0, signal: "approve" }]);
      expect(rows("SELECT workflow, status, count FROM run_counts WHERE count > 0 ORDER BY workflow")).toEqual([
        { workflow: "a", status: "waiting", count: 1 },
        { workflow: "b", status: "completed", count: 1 },
      ]);
    });
  });

  it("migrates an index of schema 1 in place: its runs kept, on workflow version 1", async () => {
    const index = fresh();
    await runInDurableObject(index, (_instance, state) => {
      const sql = new Sql(state.storage);
      // Back to schema 1 with one run in it.
      dropAll(state);
      migrate(sql, RUN_INDEX_MIGRATIONS.slice(0, 1));
      state.storage.sql.exec("INSERT INTO runs VALUES ('run_old', 'greet', 'waiting', 1, 2, 3)");
    });
    await evictDurableObject(index);
    expect((await index.liveCounts()).live).toEqual([{ workflow: "greet", version: 1, live: 1 }]);
    await runInDurableObject(index, (_instance, state) => {
      expect(new Sql(state.storage).first("SELECT version FROM _schema")?.version).toBe(RUN_INDEX_MIGRATIONS.length);
    });
  });
});
