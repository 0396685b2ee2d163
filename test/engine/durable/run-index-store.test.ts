// The run index's queries on their own objects, fed by hand: what runs wait for and when they ended,
// the run id prefix search, the counts per workflow and status, the inbox of open signal waits
// (oldest first, a page at a time, in step with pushes), and migrations 3 and 4 over indexes of versions 2 and 3.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IndexEntry, IndexWait } from "../../../src/engine/durable/index-entry.ts";
import { RUN_INDEX_MIGRATIONS } from "../../../src/engine/durable/run-index-schema.ts";
import type { RunIndex } from "../../../src/engine/durable/run-index.ts";
import { RunIndexStore } from "../../../src/engine/durable/run-index-store.ts";
import { migrate, Sql, unwrap } from "../../../src/kernel/index.ts";

const fresh = () => env.RUN_INDEX.getByName(`index-${crypto.randomUUID()}`);

type Entry = Partial<IndexEntry> & { runId: string };
let versions = 0;
/** An entry with defaults; every call a newer push. */
const entry = (e: Entry): IndexEntry => ({ workflow: "w", status: "running", createdAt: 1, updatedAt: 1, version: ++versions, ...e });

const signalWait = (seq: number, since: number, extra: Partial<Extract<IndexWait, { kind: "signal" }>> = {}): IndexWait => ({
  seq,
  kind: "signal",
  signal: "go",
  timeoutAt: null,
  since,
  ...extra,
});

/** An index object whose schema is at `version`, holding what `seed` wrote, evicted so that its next call migrates it. */
async function indexAt(version: number, seed: (sql: SqlStorage) => void) {
  const index = fresh();
  await runInDurableObject(index, (_instance, state) => {
    for (const t of ["runs", "signal_waits", "run_counts", "shards", "_schema"]) state.storage.sql.exec(`DROP TABLE ${t}`);
    migrate(new Sql(state.storage), RUN_INDEX_MIGRATIONS.slice(0, version));
    seed(state.storage.sql);
  });
  await evictDurableObject(index);
  return index;
}

describe("the run list", () => {
  it("shows what a run waits for and when it ended; a late push moves neither back", async () => {
    const index = fresh();
    const sleep: IndexWait = { seq: 0, kind: "sleep", name: "nap", until: 500, since: 10 };
    await index.upsert(entry({ runId: "r1", status: "sleeping", waitingFor: [sleep], version: 1 }));
    const late = entry({ runId: "r1", status: "sleeping", waitingFor: [sleep], version: 2 });
    await index.upsert(entry({ runId: "r1", status: "completed", completedAt: 900, version: 3 }));
    await index.upsert(late);
    const { runs } = unwrap(await index.list({}));
    expect(runs).toEqual([{ runId: "r1", workflow: "w", status: "completed", createdAt: 1, updatedAt: 1, version: 1, waitingFor: [], completedAt: 900 }]);
  });

  it("writes many entries in one statement and says, entry by entry, which it recorded", async () => {
    const index = fresh();
    const answers = await runInDurableObject(index, (_instance, state) => {
      const sql = new Sql(state.storage);
      let statements = 0;
      const counted = new Proxy(sql, {
        get: (target, key) => {
          const value = Reflect.get(target, key, target) as unknown;
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            statements++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const store = new RunIndexStore(counted);
      const r1 = {
        runId: "r1",
        workflow: "w",
        status: "running",
        createdAt: 1,
        updatedAt: 1,
        version: 5,
        workflowVersion: 1,
        waitingFor: [] as IndexWait[],
        completedAt: null as number | null,
      };
      const recorded = store.upsert([
        r1,
        { ...r1, status: "completed", version: 7, completedAt: 9 },
        { ...r1, version: 6 },
        { ...r1, runId: "r2" },
        { ...r1, runId: "r2" },
      ]);
      return {
        recorded: recorded.map((r) => r && `${r.runId} ${r.status}`),
        statements,
        rows: state.storage.sql.exec("SELECT run_id, status, version FROM runs ORDER BY run_id").toArray(),
      };
    });
    // The late version 6 and the second push of r2 at the same version are refused; the rest are recorded, in order.
    expect(answers.recorded).toEqual(["r1 running", "r1 completed", null, "r2 running", null]);
    expect(answers.statements).toBe(1);
    expect(answers.rows).toEqual([
      { run_id: "r1", status: "completed", version: 7 },
      { run_id: "r2", status: "running", version: 5 },
    ]);
  });

  it("finds runs by a case-sensitive prefix of their id, with the other filters and the cursor", async () => {
    const index = fresh();
    const ids = ["run_ab1", "run_ab2", "run_aB3", "run_ac4", "run_ab5", "rum_ab6"];
    for (const [i, runId] of ids.entries()) await index.upsert(entry({ runId, createdAt: i, status: i === 4 ? "waiting" : "running" }));
    const ids$ = async (q: Parameters<RunIndex["list"]>[0]) => unwrap(await index.list(q)).runs.map((r) => r.runId);
    expect(await ids$({ q: "run_ab" })).toEqual(["run_ab5", "run_ab2", "run_ab1"]);
    expect(await ids$({ q: "run_aB" })).toEqual(["run_aB3"]);
    expect(await ids$({ q: "run_ab", status: "running" })).toEqual(["run_ab2", "run_ab1"]);
    expect(await ids$({ q: "run_ab", workflow: "other" })).toEqual([]);
    expect(await ids$({ q: "run_ab5" })).toEqual(["run_ab5"]);
    expect(await ids$({ q: "r" })).toHaveLength(6);
    const first = unwrap(await index.list({ q: "run_a", limit: 2 }));
    expect(first.runs.map((r) => r.runId)).toEqual(["run_ab5", "run_ac4"]);
    expect(await ids$({ q: "run_a", limit: 2, cursor: first.nextCursor! })).toEqual(["run_aB3", "run_ab2"]);
    // The prefix is a range on the primary key, not a scan of every run.
    const plan = await runInDurableObject(index, (_i, state) =>
      state.storage.sql
        .exec("EXPLAIN QUERY PLAN SELECT run_id FROM runs WHERE run_id >= 'run_ab' AND run_id < 'run_ac' ORDER BY created_at DESC, run_id DESC")
        .toArray()
        .map((r) => String(r.detail)),
    );
    expect(plan.join("; ")).toMatch(/USING INDEX sqlite_autoindex_runs_1 \(run_id>\? AND run_id<\?\)/);
  });

  it("counts the runs per workflow and status over the whole index, whatever the list is filtered by", async () => {
    const index = fresh();
    await index.upsert(entry({ runId: "a1", workflow: "a" }));
    await index.upsert(entry({ runId: "a2", workflow: "a" }));
    await index.upsert(entry({ runId: "b1", workflow: "b", status: "waiting" }));
    await index.upsert(entry({ runId: "a1", workflow: "a", status: "completed" }));
    await index.upsert(entry({ runId: "a2", workflow: "a", status: "running" })); // same status: no change
    const page = unwrap(await index.list({ workflow: "b", counts: true, limit: 1 }));
    expect(page.runs.map((r) => r.runId)).toEqual(["b1"]);
    expect(page.counts).toEqual([
      { workflow: "a", status: "completed", count: 1 },
      { workflow: "a", status: "running", count: 1 },
      { workflow: "b", status: "waiting", count: 1 },
    ]);
    await index.remove("b1");
    await index.remove("b1");
    expect(unwrap(await index.list({ counts: true })).counts).toEqual([
      { workflow: "a", status: "completed", count: 1 },
      { workflow: "a", status: "running", count: 1 },
    ]);
    expect(unwrap(await index.list({})).counts).toBeUndefined();
  });
});

describe("the inbox", () => {
  it("lists the open signal waits of live runs oldest first, a page at a time", async () => {
    const index = fresh();
    await index.upsert(entry({ runId: "r2", createdAt: 2, status: "waiting", waitingFor: [signalWait(0, 30), signalWait(1, 10, { signal: "b" })] }));
    await index.upsert(
      entry({ runId: "r1", createdAt: 1, status: "waiting", waitingFor: [signalWait(3, 30, { timeoutAt: 99, label: "Approve the refund" })] }),
    );
    await index.upsert(entry({ runId: "r3", createdAt: 3, status: "sleeping", waitingFor: [{ seq: 0, kind: "sleep", name: "nap", until: 5, since: 1 }] }));
    const all = unwrap(await index.inbox({}));
    expect(all).toEqual({
      waits: [
        { runId: "r2", workflow: "w", runCreatedAt: 2, seq: 1, signal: "b", since: 10, timeoutAt: null },
        { runId: "r1", workflow: "w", runCreatedAt: 1, seq: 3, signal: "go", since: 30, timeoutAt: 99, label: "Approve the refund" },
        { runId: "r2", workflow: "w", runCreatedAt: 2, seq: 0, signal: "go", since: 30, timeoutAt: null },
      ],
      nextCursor: null,
    });
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = unwrap(await index.inbox({ limit: 1, ...(cursor === undefined ? {} : { cursor }) }));
      pages.push(page.waits.map((w) => `${w.runId}/${w.seq}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(pages).toEqual([["r2/1"], ["r1/3"], ["r2/0"]]);
    expect(await index.inbox({ cursor: "not-a-cursor" })).toMatchObject({ ok: false, error: { code: "request.invalid_cursor" } });
  });

  it("follows the pushes: a wait that ends leaves, a late push brings none back, an ended or removed run has none", async () => {
    const index = fresh();
    const keys = async () => unwrap(await index.inbox({})).waits.map((w) => `${w.runId}/${w.seq}`);
    await index.upsert(entry({ runId: "r1", status: "waiting", waitingFor: [signalWait(0, 1)], version: 10 }));
    await index.upsert(entry({ runId: "r2", status: "waiting", waitingFor: [signalWait(0, 2)], version: 10 }));
    expect(await keys()).toEqual(["r1/0", "r2/0"]);
    // r1's first wait was answered and its next began (the status stays "waiting").
    await index.upsert(entry({ runId: "r1", status: "waiting", waitingFor: [signalWait(1, 5)], version: 12 }));
    await index.upsert(entry({ runId: "r1", status: "waiting", waitingFor: [signalWait(0, 1)], version: 11 }));
    expect(await keys()).toEqual(["r2/0", "r1/1"]);
    await index.upsert(entry({ runId: "r1", status: "completed", completedAt: 9, version: 13 }));
    await index.remove("r2");
    expect(await keys()).toEqual([]);
  });
});

describe("migration 3", () => {
  it("applies over an index of version 2: its runs listed and counted, waiting for nothing until their next push", async () => {
    const index = await indexAt(2, (sql) =>
      sql.exec("INSERT INTO runs VALUES ('run_live', 'greet', 'waiting', 1, 2, 3, 1), ('run_done', 'greet', 'completed', 4, 5, 6, 2)"),
    );
    const page = unwrap(await index.list({ counts: true }));
    expect(page.runs).toEqual([
      { runId: "run_done", workflow: "greet", status: "completed", createdAt: 4, updatedAt: 5, version: 2, waitingFor: [], completedAt: 5 },
      { runId: "run_live", workflow: "greet", status: "waiting", createdAt: 1, updatedAt: 2, version: 1, waitingFor: [], completedAt: null },
    ]);
    expect(page.counts).toEqual([
      { workflow: "greet", status: "completed", count: 1 },
      { workflow: "greet", status: "waiting", count: 1 },
    ]);
    expect(unwrap(await index.inbox({})).waits).toEqual([]);
    // The live run's next push (a newer version) brings its waits.
    await index.upsert(entry({ runId: "run_live", workflow: "greet", status: "waiting", waitingFor: [signalWait(0, 1)], version: 4 }));
    expect(unwrap(await index.inbox({})).waits.map((w) => w.runId)).toEqual(["run_live"]);
    await runInDurableObject(index, (_instance, state) => {
      expect(new Sql(state.storage).first("SELECT version FROM _schema")?.version).toBe(RUN_INDEX_MIGRATIONS.length);
    });
  });
});

describe("migration 4", () => {
  it("applies over an index of version 3: the waits it holds stay listed, and the pushes after it keep them by trigger", async () => {
    // Two waiting runs and their inbox rows, as version 3's upsert wrote them (outside the runs table).
    const index = await indexAt(3, (sql) => {
      for (const [runId, since] of [
        ["r1", 10],
        ["r2", 20],
      ] as const) {
        sql.exec("INSERT INTO runs VALUES (?, 'w', 'waiting', 1, 1, 1, 1, ?, NULL)", runId, JSON.stringify([signalWait(0, since)]));
        sql.exec("INSERT INTO signal_waits VALUES (?, 0, 'w', 1, 'go', ?, NULL, NULL)", runId, since);
      }
    });
    const keys = async () => unwrap(await index.inbox({})).waits.map((w) => `${w.runId}/${w.seq}`);
    expect(await keys()).toEqual(["r1/0", "r2/0"]);
    // A push that only changes the status leaves the waits; one that changes them replaces them; an end clears them.
    await index.upsert(entry({ runId: "r1", status: "waiting", updatedAt: 5, waitingFor: [signalWait(0, 10)], version: 2 }));
    expect(await keys()).toEqual(["r1/0", "r2/0"]);
    await index.upsert(
      entry({
        runId: "r1",
        status: "waiting",
        waitingFor: [signalWait(4, 30, { label: "next" }), { seq: 5, kind: "sleep", name: "nap", until: 9, since: 30 }],
        version: 3,
      }),
    );
    expect(unwrap(await index.inbox({})).waits).toEqual([
      { runId: "r2", workflow: "w", runCreatedAt: 1, seq: 0, signal: "go", since: 20, timeoutAt: null },
      { runId: "r1", workflow: "w", runCreatedAt: 1, seq: 4, signal: "go", since: 30, timeoutAt: null, label: "next" },
    ]);
    await index.upsert(entry({ runId: "r2", status: "completed", completedAt: 40, version: 2 }));
    expect(await keys()).toEqual(["r1/4"]);
    await index.remove("r1");
    expect(await keys()).toEqual([]);
    await runInDurableObject(index, (_instance, state) => {
      expect(new Sql(state.storage).first("SELECT COUNT(*) AS n FROM signal_waits")?.n).toBe(0);
      expect(new Sql(state.storage).first("SELECT version FROM _schema")?.version).toBe(RUN_INDEX_MIGRATIONS.length);
    });
  });
});

describe("with 10,000 runs", () => {
  it("answers a page of 50 with the counts (the time is printed, not asserted)", async () => {
    const index = fresh();
    const workflows = ["alpha", "beta", "gamma", "delta", "epsilon"];
    const statuses = ["running", "sleeping", "waiting", "completed", "failed", "canceled"];
    const timing = await runInDurableObject(index, async (instance: RunIndex, state) => {
      // Through the object's own upsert, so the counts' triggers and the inbox's rows are written as in production.
      for (let i = 0; i < 10_000; i++) {
        const status = statuses[i % statuses.length]!;
        instance.upsert(
          entry({
            runId: `run_${i.toString(16).padStart(32, "0")}`,
            workflow: workflows[i % workflows.length]!,
            status,
            createdAt: 1_000_000 + i,
            waitingFor: status === "waiting" ? [signalWait(0, 1_000_000 + i)] : [],
            completedAt: status === "completed" ? 2_000_000 + i : null,
          }),
        );
      }
      // Workers time moves only across I/O: time a batch of calls between two awaits and divide.
      const time = async (label: string, fn: () => unknown, n = 200) => {
        await scheduler.wait(1);
        const t0 = performance.now();
        for (let i = 0; i < n; i++) fn();
        await scheduler.wait(1);
        return `${label}: ${((performance.now() - t0 - 1) / n).toFixed(3)} ms`;
      };
      return [
        await time("list({ limit: 50, counts: true })", () => instance.list({ limit: 50, counts: true })),
        await time("list({ limit: 50 })", () => instance.list({ limit: 50 })),
        await time("counts only (run_counts)", () => instance.list({ limit: 1, counts: true })),
        await time("list({ limit: 50, status: 'waiting', q: 'run_00' })", () => instance.list({ limit: 50, status: "waiting", q: "run_00" })),
        await time("inbox({ limit: 50 })", () => instance.inbox({ limit: 50 })),
        await time("GROUP BY scan of runs, for comparison", () =>
          new Sql(state.storage).all("SELECT workflow, status, COUNT(*) FROM runs GROUP BY workflow, status"),
        ),
      ];
    });
    console.log(`run index with 10,000 runs, inside the object, mean per call:\n  ${timing.join("\n  ")}`);
    const page = unwrap(await index.list({ limit: 50, counts: true }));
    expect(page.runs).toHaveLength(50);
    expect(page.counts!.reduce((n, c) => n + c.count, 0)).toBe(10_000);
  });
});
