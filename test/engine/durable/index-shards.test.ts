// Which run index shard holds a run (STEPWISE_INDEX_SHARDS is "3" in the test Worker): the hash of its id,
// stored in the run when it is created, so a raised count moves no entry; runs from before shards stay in
// shard 0, the old "global" index; a bad count is refused by name.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createClient, StepwiseError } from "../../../src/engine/index.ts";
import { IndexOutbox } from "../../../src/engine/durable/index-outbox.ts";
import { indexShard, indexShardCount, indexShardName, indexShardNumber, indexShardOf, MAX_INDEX_SHARDS } from "../../../src/engine/durable/index-shards.ts";
import { MIGRATIONS } from "../../../src/engine/durable/schema.ts";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { migrate, Sql } from "../../../src/kernel/index.ts";
import { TOKEN } from "../../helpers/http.ts";
import { idsOnEveryShard, SHARDS, shardEntries, shardOf, shardsHolding } from "../../helpers/index-shards.ts";
import { client, refusal, runStub, settle } from "../../helpers/runtime.ts";
import { stepwise } from "../../worker.ts";

const tag = () => crypto.randomUUID().slice(0, 8);

/** The shard the run object stored when the run was created. */
async function storedShard(runId: string): Promise<unknown> {
  return runInDurableObject(runStub(runId), (_instance, state) => state.storage.sql.exec("SELECT index_shard FROM run").one().index_shard);
}

describe("a run's index shard", () => {
  it("is its id's hash, stored in the run, and its entry is on that shard and no other", async () => {
    expect(SHARDS).toBe(3);
    const ids = idsOnEveryShard(`spread-${tag()}`, 2);
    await Promise.all(ids.map((runId) => client.startRun("double", { n: 1 }, { runId })));
    await Promise.all(ids.map((runId) => settle(runStub(runId))));
    for (const runId of ids) {
      expect(await storedShard(runId)).toBe(shardOf(runId));
      // A finished run is settled once its end reached the index.
      expect(await shardsHolding(runId)).toEqual([{ shard: shardOf(runId), status: "completed" }]);
    }
    expect(new Set(ids.map(shardOf))).toEqual(new Set([0, 1, 2]));
  });

  it("stays the same when the count is raised: pushes go to the stored shard, and the wider list finds the run once", async () => {
    // A run whose id hashes elsewhere under 8 shards, so a push that followed the count would move it.
    const runId = idsOnEveryShard(`raise-${tag()}`, 4).find((id) => indexShardOf(id, 8) !== shardOf(id))!;
    await client.startRun("waiter", {}, { runId });
    await settle(runStub(runId));
    await expect.poll(() => shardsHolding(runId)).toEqual([{ shard: shardOf(runId), status: "waiting" }]);

    // A deploy raised STEPWISE_INDEX_SHARDS to 8: the run's object pushes its next change under that env.
    const raised = { ...env, STEPWISE_INDEX_SHARDS: "8" };
    const pushed = await runInDurableObject(runStub(runId), async (_instance, state) => {
      const store = new RunStore(state.storage);
      const outbox = new IndexOutbox(raised, store);
      outbox.load();
      // A change the entry shows grows its version (RunStore.indexState): here without touching the run.
      store.bumpIndexVersion();
      return outbox.push(store.getRun()!, { status: "paused", waitingFor: [] }, Date.now());
    });
    expect(pushed).toBe(true);
    expect(await shardsHolding(runId)).toEqual([{ shard: shardOf(runId), status: "paused" }]);
    expect(await shardEntries(indexShardOf(runId, 8), { q: runId })).toEqual([]);
    const wider = await createClient(raised).listRuns({ q: runId });
    expect(wider.runs.map((r) => [r.runId, r.status])).toEqual([[runId, "paused"]]);

    // Its end lands on the same shard, and so does its removal at the end of retention (see retention tests).
    await client.signalRun(runId, "go", true);
    await settle(runStub(runId));
    expect(await shardsHolding(runId)).toEqual([{ shard: shardOf(runId), status: "completed" }]);
  });

  it("is shard 0, the index from before shards, for a run created before migration 9", async () => {
    const stub = env.WORKFLOW_RUNS.getByName(`legacy-${tag()}`);
    const shard = await runInDurableObject(stub, (_instance, state) => {
      migrate(new Sql(state.storage), MIGRATIONS.slice(0, 8));
      state.storage.sql.exec("INSERT INTO run (id, run_id, workflow, status, created_at, updated_at) VALUES (1, 'run_old', 'double', 'completed', 1, 2)");
      const store = new RunStore(state.storage);
      store.migrate();
      return store.getRun()?.indexShard;
    });
    expect(shard).toBe(0);
    expect(indexShardName(0)).toBe("global");
    expect(indexShard(env, 0).id.equals(env.RUN_INDEX.idFromName("global"))).toBe(true);
  });
});

describe("an index object's shard, read from its name", () => {
  it("is the shard whose name it is, for every shard there may be", () => {
    for (let shard = 0; shard < MAX_INDEX_SHARDS; shard++) expect(indexShardNumber(indexShardName(shard))).toBe(shard);
  });

  it.each([undefined, "", "shard-0", "shard-01", "shard-256", "shard-1000", "shard-", "shard-1x", "index-4", "Global"])("is none for %j", (name) => {
    expect(indexShardNumber(name)).toBeNull();
  });
});

describe("STEPWISE_INDEX_SHARDS", () => {
  it.each([
    [undefined, 1],
    ["", 1],
    ["  ", 1],
    ["1", 1],
    [" 4 ", 4],
    ["256", 256],
    [16, 16],
  ])("reads %j as %d shards", (raw, count) => {
    expect(indexShardCount({ STEPWISE_INDEX_SHARDS: raw })).toBe(count);
  });

  it.each(["0", "257", "-1", "2.5", "three", "1e2", "0x10", "3 shards"])("refuses %j, naming the var", (raw) => {
    let thrown: unknown;
    try {
      indexShardCount({ STEPWISE_INDEX_SHARDS: raw });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StepwiseError);
    expect(thrown).toMatchObject({ code: "config.invalid", message: expect.stringContaining("STEPWISE_INDEX_SHARDS") });
    expect((thrown as StepwiseError).message).toContain(JSON.stringify(raw));
  });

  it("fails lists and starts with config.invalid, before any run object is made, and the API says why", async () => {
    const bad = { ...env, STEPWISE_INDEX_SHARDS: "many" };
    const runs = createClient(bad, stepwise.registry);
    expect(await refusal(runs.listRuns())).toMatchObject({ code: "config.invalid", message: expect.stringContaining("STEPWISE_INDEX_SHARDS") });
    expect((await refusal(runs.inbox())).code).toBe("config.invalid");
    expect((await refusal(runs.liveRunCounts())).code).toBe("config.invalid");
    const runId = `bad-count-${tag()}`;
    expect((await refusal(runs.startRun("double", { n: 1 }, { runId }))).code).toBe("config.invalid");
    expect((await refusal(client.getRun(runId))).code).toBe("run.not_found");

    const res = await stepwise.app.request("http://stepwise.test/api/runs", { headers: { authorization: `Bearer ${TOKEN}` } }, bad);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      code: "config.invalid",
      detail: expect.stringContaining("STEPWISE_INDEX_SHARDS must be a whole number from 1 to 256"),
    });
  });
});
