// The test Worker's run index shards (STEPWISE_INDEX_SHARDS = "3" in test/wrangler.test.toml), read one by
// one as the objects they are, and run ids picked so that each shard gets some.
import { env } from "cloudflare:workers";
import type { IndexEntry, IndexedRun, ListQuery, RunPage } from "../../src/engine/durable/index-entry.ts";
import { indexShard, indexShardCount, indexShardOf } from "../../src/engine/durable/index-shards.ts";
import { unwrap } from "../../src/kernel/result.ts";

export const SHARDS = indexShardCount(env);

/** The shard a run of `runId` is created on in the test Worker. */
export const shardOf = (runId: string) => indexShardOf(runId, SHARDS);

/** `perShard` run ids on each shard, `${prefix}-${n}`, grouped by shard. */
export function idsOnEveryShard(prefix: string, perShard: number): string[] {
  const found: string[][] = Array.from({ length: SHARDS }, () => []);
  for (let n = 0; found.some((ids) => ids.length < perShard); n++) {
    const id = `${prefix}-${n}`;
    const ids = found[shardOf(id)]!;
    if (ids.length < perShard) ids.push(id);
  }
  return found.flat();
}

/** Every entry one shard's own object lists for `query`, all pages. */
export async function shardEntries(shard: number, query: Omit<ListQuery, "cursor" | "limit"> = {}): Promise<IndexedRun[]> {
  const all: IndexedRun[] = [];
  let cursor: string | undefined;
  do {
    const page: RunPage = unwrap(await indexShard(env, shard).list({ ...query, limit: 100, ...(cursor === undefined ? {} : { cursor }) }));
    all.push(...page.runs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

/** The shards whose object holds an entry for `runId`, with the status each holds. */
export async function shardsHolding(runId: string): Promise<{ shard: number; status: string }[]> {
  const held = await Promise.all(
    Array.from({ length: SHARDS }, async (_, shard) =>
      (await shardEntries(shard, { q: runId })).filter((r) => r.runId === runId).map((r) => ({ shard, status: r.status })),
    ),
  );
  return held.flat();
}

/** Puts an entry on the shard its run id hashes to, as its run's object would push it. */
export async function seed(entry: IndexEntry): Promise<void> {
  await indexShard(env, shardOf(entry.runId)).upsert(entry);
}
