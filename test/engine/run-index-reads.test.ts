// The run index read as one over its shards (three in the test Worker): pages of the run list in the
// order one index would give, with no run twice and none left out; filters, counts and live counts
// added up; the inbox oldest first; and the live socket relaying every shard's frames.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createClient, type IndexedRun, type InboxWait, type StepwiseClient } from "../../src/engine/index.ts";
import { newestFirst, oldestWaitFirst, type IndexEntry, type ListQuery, type RunPage } from "../../src/engine/durable/index-entry.ts";
import { indexShard } from "../../src/engine/durable/index-shards.ts";
import { KNOWN_SHARDS_HEADER } from "../../src/engine/durable/run-index.ts";
import { rpcResult, unwrap } from "../../src/kernel/index.ts";
import { idsOnEveryShard, SHARDS, seed, shardEntries, shardOf } from "../helpers/index-shards.ts";
import { client, runStub, settle } from "../helpers/runtime.ts";
import { liveList } from "../helpers/sockets.ts";

const tag = () => crypto.randomUUID().slice(0, 8);

/** Every run the client lists for `query`, read `limit` at a time, and how many pages it took. */
async function pages(runs: StepwiseClient, query: Omit<ListQuery, "cursor">): Promise<{ rows: IndexedRun[]; pages: number }> {
  const rows: IndexedRun[] = [];
  let cursor: string | undefined;
  let n = 0;
  do {
    const page = await runs.listRuns({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.runs.length).toBeLessThanOrEqual(query.limit ?? 20);
    rows.push(...page.runs);
    cursor = page.nextCursor ?? undefined;
    n++;
  } while (cursor !== undefined);
  return { rows, pages: n };
}

/** Every open signal wait the client's inbox lists, `limit` at a time. */
async function inboxAll(limit: number): Promise<InboxWait[]> {
  const all: InboxWait[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.inbox({ limit, ...(cursor === undefined ? {} : { cursor }) });
    all.push(...page.waits);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

/** Every entry the shards' own objects hold for `query`, in the one index's order: what the merged list must equal. */
async function everyShard(query: Omit<ListQuery, "cursor" | "limit">): Promise<IndexedRun[]> {
  const held = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => shardEntries(shard, query)));
  return held.flat().sort(newestFirst);
}

const ids = (runs: IndexedRun[]) => runs.map((r) => r.runId);

/** A finished entry of `workflow` as a run's object pushes it. */
const entry = (runId: string, workflow: string, createdAt: number, status = "completed"): IndexEntry => ({
  runId,
  workflow,
  status,
  createdAt,
  updatedAt: createdAt + 1,
  version: 1,
});

describe("the run list over shards", () => {
  it("pages real runs newest first across shards, with no run twice and none left out", async () => {
    const prefix = `page-${tag()}`;
    const runIds = idsOnEveryShard(prefix, 8);
    await Promise.all(runIds.map((runId) => client.startRun("double", { n: 1 }, { runId })));
    await Promise.all(runIds.map((runId) => settle(runStub(runId))));
    const expected = await everyShard({ q: prefix });
    expect(new Set(ids(expected))).toEqual(new Set(runIds));

    const { rows, pages: count } = await pages(client, { q: prefix, limit: 5 });
    expect(ids(rows)).toEqual(ids(expected));
    expect(count).toBe(Math.ceil(runIds.length / 5));
    // A page as large as the whole list takes one read and says there is no more.
    expect(await client.listRuns({ q: prefix, limit: runIds.length })).toMatchObject({ nextCursor: null });
  });

  it("breaks ties of the start time by run id across shards, and applies every filter to every shard", async () => {
    const workflow = `ties-${tag()}`;
    const statuses = ["completed", "failed", "waiting"];
    // 30 runs started in three instants: every page boundary falls among runs of one instant on several shards.
    const seeded = Array.from({ length: 30 }, (_, i) => entry(`tie-${workflow}-${i}`, workflow, 1_000 + (i % 3), statuses[i % 3]));
    await Promise.all(seeded.map(seed));
    expect(new Set(seeded.map((e) => shardOf(e.runId)))).toEqual(new Set([0, 1, 2]));

    const all = await pages(client, { workflow, limit: 4 });
    expect(ids(all.rows)).toEqual(ids(await everyShard({ workflow })));
    expect(all.rows).toHaveLength(30);
    expect(all.rows.map((r) => r.createdAt)).toEqual([...all.rows.map((r) => r.createdAt)].sort((a, b) => b - a));

    const failed = await pages(client, { workflow, status: "failed", limit: 3 });
    expect(ids(failed.rows)).toEqual(ids(await everyShard({ workflow, status: "failed" })));
    expect(failed.rows).toHaveLength(10);
    const prefixed = await pages(client, { workflow, q: `tie-${workflow}-1`, limit: 2 });
    expect(ids(prefixed.rows).sort()).toEqual(
      seeded
        .map((e) => e.runId)
        .filter((id) => id.startsWith(`tie-${workflow}-1`))
        .sort(),
    );
    expect(ids(prefixed.rows)).toEqual(ids(await everyShard({ workflow, q: `tie-${workflow}-1` })));
  });

  it("adds up the counts of every shard", async () => {
    const workflow = `counted-${tag()}`;
    const statuses = ["completed", "completed", "failed", "canceled"];
    await Promise.all(Array.from({ length: 24 }, (_, i) => seed(entry(`count-${workflow}-${i}`, workflow, 2_000 + i, statuses[i % 4]))));

    const page = await client.listRuns({ workflow, limit: 1, counts: true });
    const ours = page.counts!.filter((c) => c.workflow === workflow);
    expect(ours).toEqual([
      { workflow, status: "canceled", count: 6 },
      { workflow, status: "completed", count: 12 },
      { workflow, status: "failed", count: 6 },
    ]);
    // Each shard holds only its part; the answer is their sum, pair by pair, for every workflow.
    const perShard = await Promise.all(
      Array.from({ length: SHARDS }, async (_, shard) => {
        const page = unwrap(await rpcResult<RunPage>(indexShard(env, shard).list({ limit: 1, counts: true })));
        return page.counts!;
      }),
    );
    const completedPerShard = perShard.map((counts) => counts.find((c) => c.workflow === workflow && c.status === "completed")?.count ?? 0);
    expect(completedPerShard.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(Math.max(...completedPerShard)).toBeLessThan(12);
    for (const c of page.counts!) {
      const sum = perShard.flat().filter((s) => s.workflow === c.workflow && s.status === c.status);
      expect(c.count).toBe(sum.reduce((n, s) => n + s.count, 0));
    }
  });
});

describe("the inbox over shards", () => {
  it("lists every shard's signal waits oldest first, by (since, runId, seq), a page at a time", async () => {
    const workflow = `inbox-${tag()}`;
    const runIds = idsOnEveryShard(`wait-${workflow}`, 4);
    // Two waits per run, begun in two instants shared by runs on every shard.
    await Promise.all(
      runIds.map((runId, i) =>
        seed({
          ...entry(runId, workflow, 4_000 + i, "waiting"),
          completedAt: null,
          waitingFor: [0, 1].map((seq) => ({ seq, kind: "signal" as const, signal: `s${seq}`, timeoutAt: null, since: 5_000 + ((i + seq) % 2) })),
        }),
      ),
    );

    const waits = await inboxAll(3);
    expect(waits).toEqual([...waits].sort(oldestWaitFirst));
    expect(new Set(waits.map((w) => `${w.runId}/${w.seq}`)).size).toBe(waits.length);
    const ours = waits.filter((w) => w.workflow === workflow);
    expect(ours).toHaveLength(runIds.length * 2);
    expect(ours.map((w) => [w.since, w.runId, w.seq])).toEqual(
      runIds
        .flatMap((runId, i) => [0, 1].map((seq) => [5_000 + ((i + seq) % 2), runId, seq] as const))
        .sort(([s1, r1, q1], [s2, r2, q2]) => s1 - s2 || (r1 < r2 ? -1 : r1 > r2 ? 1 : 0) || q1 - q2),
    );
  });
});

describe("live counts over shards", () => {
  it("adds up each workflow version's live runs from every shard", async () => {
    const workflow = `live-${tag()}`;
    const live = (runId: string, i: number, status: string, workflowVersion: number): IndexEntry => ({
      ...entry(runId, workflow, 6_000 + i, status),
      workflowVersion,
      completedAt: null,
    });
    const runIds = idsOnEveryShard(`lc-${workflow}`, 5);
    await Promise.all(
      runIds.map((runId, i) => {
        if (i % 3 === 0) return seed(live(runId, i, "running", 1));
        if (i % 3 === 1) return seed(live(runId, i, "waiting", 2));
        return seed({ ...entry(runId, workflow, 6_000 + i, "completed"), completedAt: 6_100 });
      }),
    );
    const expected = [
      { workflow, version: 1, live: runIds.filter((_, i) => i % 3 === 0).length },
      { workflow, version: 2, live: runIds.filter((_, i) => i % 3 === 1).length },
    ];
    expect((await client.liveRunCounts()).filter((c) => c.workflow === workflow)).toEqual(expected);
    const perShard = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => indexShard(env, shard).liveCounts()));
    const v1 = perShard.map((counts) => counts.live.find((c) => c.workflow === workflow && c.version === 1)?.live ?? 0);
    expect(v1.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});

describe("the live list over shards", () => {
  it("relays the frames of runs on every shard into one socket, and closes the shards' sockets with it", async () => {
    const socketsPerShard = () =>
      Promise.all(Array.from({ length: SHARDS }, (_, shard) => runInDurableObject(indexShard(env, shard), (_instance, state) => state.getWebSockets().length)));
    const before = await socketsPerShard();
    const live = liveList(await client.liveRuns(new Request("http://stepwise.test/api/live/runs", { headers: { upgrade: "websocket" } })));
    expect(await socketsPerShard()).toEqual(before.map((n) => n + 1));

    const runIds = idsOnEveryShard(`heard-${tag()}`, 1);
    await Promise.all(runIds.map((runId) => client.startRun("double", { n: 1 }, { runId })));
    for (const runId of runIds) {
      const ended = await live.next((f) => f.type === "run" && f.run.runId === runId && f.run.status === "completed");
      expect(ended).toMatchObject({ type: "run", run: { runId, workflow: "double", completedAt: expect.any(Number) } });
    }
    const gone = runIds[SHARDS - 1]!;
    expect(shardOf(gone)).not.toBe(0);
    await indexShard(env, shardOf(gone)).remove(gone);
    expect(await live.next((f) => f.type === "removed" && f.runId === gone)).toEqual({ type: "removed", runId: gone });

    live.close();
    await expect.poll(socketsPerShard).toEqual(before);
  });

  it("answers 426 without an upgrade, as one index did", async () => {
    const res = await client.liveRuns(new Request("http://stepwise.test/api/live/runs")).catch((err: unknown) => err);
    expect(res).toMatchObject({ code: "request.upgrade_required" });
  });
});

describe("shards above the count", () => {
  const lowered = { ...env, STEPWISE_INDEX_SHARDS: "1" };

  it("are read by every list after the count was lowered: the runs, the counts, the inbox and the live counts", async () => {
    const workflow = `low-${tag()}`;
    const runIds = idsOnEveryShard(`low-${workflow}`, 2);
    const waiting = (runId: string, i: number): IndexEntry => ({
      ...entry(runId, workflow, 3_000 + i, "waiting"),
      completedAt: null,
      waitingFor: [{ seq: 0, kind: "signal", signal: "go", timeoutAt: null, since: 3_500 + i }],
    });
    await Promise.all(runIds.map((runId, i) => seed(i % 2 === 0 ? waiting(runId, i) : entry(runId, workflow, 3_000 + i))));
    expect(new Set(runIds.map(shardOf))).toEqual(new Set(Array.from({ length: SHARDS }, (_, shard) => shard)));

    const single = createClient(lowered);
    const everywhere = await pages(client, { workflow, limit: 3 });
    expect(ids(everywhere.rows).sort()).toEqual([...runIds].sort());
    expect(await pages(single, { workflow, limit: 3 })).toEqual(everywhere);
    expect((await single.listRuns({ workflow, counts: true })).counts?.filter((c) => c.workflow === workflow)).toEqual([
      { workflow, status: "completed", count: runIds.length / 2 },
      { workflow, status: "waiting", count: runIds.length / 2 },
    ]);
    const waits = (await single.inbox({ limit: 100 })).waits.filter((w) => w.workflow === workflow);
    expect(waits.map((w) => w.runId).sort()).toEqual(runIds.filter((_, i) => i % 2 === 0).sort());
    expect((await single.liveRunCounts()).filter((c) => c.workflow === workflow)).toEqual([{ workflow, version: 1, live: runIds.length / 2 }]);
  });

  it("are read when shard 0 knows of them: a shard has shard 0 record it before its first entry is written", async () => {
    // Shard 7 of a deployment whose count was 8 and is 3 now (the test Worker's count).
    const runId = `seven-${tag()}`;
    await indexShard(env, 7).upsert(entry(runId, "seven", 7_000));
    expect(unwrap(await indexShard(env, 0).list({ q: "no-such-run" })).shards).toBeGreaterThanOrEqual(8);
    expect(ids((await client.listRuns({ q: runId })).runs)).toEqual([runId]);
    expect(ids((await createClient(lowered).listRuns({ q: runId })).runs)).toEqual([runId]);
  });

  it("write nothing until shard 0 has recorded them: a push it cannot record fails and is taken once it can", async () => {
    const runId = `nine-${tag()}`;
    const refuse = "CREATE TRIGGER refuse_nine BEFORE INSERT ON shards WHEN new.shard = 9 BEGIN SELECT RAISE(ABORT, 'shard 9 refused'); END";
    await runInDurableObject(indexShard(env, 0), (_instance, state) => void state.storage.sql.exec(refuse));
    // (Settled here: handing the RPC's own promise to expect would leave promises of its properties unhandled.)
    const refused = await indexShard(env, 9)
      .upsert(entry(runId, "nine", 9_000))
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(String(refused)).toMatch(/shard 9 refused/);
    const held = () => runInDurableObject(indexShard(env, 9), (_instance, state) => state.storage.sql.exec("SELECT run_id FROM runs").toArray());
    expect(await held()).toEqual([]);
    expect(ids((await client.listRuns({ q: runId })).runs)).toEqual([]);

    await runInDurableObject(indexShard(env, 0), (_instance, state) => void state.storage.sql.exec("DROP TRIGGER refuse_nine"));
    await indexShard(env, 9).upsert(entry(runId, "nine", 9_000));
    expect(await held()).toEqual([{ run_id: runId }]);
    expect(ids((await client.listRuns({ q: runId })).runs)).toEqual([runId]);
  });

  it("are recorded as they wake when they took entries before shards were recorded", async () => {
    const runId = `eleven-${tag()}`;
    const shard = indexShard(env, 11);
    // An entry written as an index of before this release wrote it: no shard recorded, here or in shard 0.
    await runInDurableObject(shard, (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO runs (run_id, workflow, status, created_at, updated_at, version) VALUES (?, 'eleven', 'completed', 11000, 11001, 1)",
        runId,
      );
      state.storage.sql.exec("DELETE FROM shards");
    });
    expect(ids((await client.listRuns({ q: runId })).runs)).toEqual([]);
    await evictDurableObject(shard);
    // Any call wakes it, here a read of its own list: it has shard 0 record it before it answers.
    expect(ids(unwrap(await shard.list({ q: runId })).runs)).toEqual([runId]);
    expect(ids((await client.listRuns({ q: runId })).runs)).toEqual([runId]);
    expect(ids((await createClient(lowered).listRuns({ q: runId })).runs)).toEqual([runId]);
  });

  it("are relayed on the live list's socket after the count was lowered", async () => {
    const live = liveList(await createClient(lowered).liveRuns(new Request("http://stepwise.test/api/live/runs", { headers: { upgrade: "websocket" } })));
    const runId = idsOnEveryShard(`relay-${tag()}`, 1)[SHARDS - 1]!;
    expect(shardOf(runId)).toBe(SHARDS - 1);
    await seed(entry(runId, "relay", 12_000));
    expect(await live.next((f) => f.type === "run" && f.run.runId === runId)).toMatchObject({ type: "run", run: { runId, workflow: "relay" } });
    live.close();
  });
});

describe("the live list of one shard", () => {
  // A deployment of one shard that never had more: its index alone in a namespace of its own.
  const solo = { ...env, RUN_INDEX: (env as unknown as { SOLO_RUN_INDEX: Env["RUN_INDEX"] }).SOLO_RUN_INDEX, STEPWISE_INDEX_SHARDS: "1" };

  it("is shard 0's own socket, with no shard-count header: shard 0 knows of no shard above it", async () => {
    const res = await createClient(solo).liveRuns(new Request("http://stepwise.test/api/live/runs", { headers: { upgrade: "websocket" } }));
    expect(res.status).toBe(101);
    expect(res.headers.get(KNOWN_SHARDS_HEADER)).toBeNull();
    const live = liveList(res);
    const runId = `solo-${tag()}`;
    await indexShard(solo, 0).upsert(entry(runId, "solo", 13_000));
    expect(await live.next((f) => f.type === "run" && f.run.runId === runId)).toMatchObject({ type: "run", run: { runId, workflow: "solo" } });
    live.close();
  });
});
