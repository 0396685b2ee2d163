// How the run index is split: STEPWISE_INDEX_SHARDS objects, each holding the entries of the runs that
// hash to it. A run's shard is decided once, when the run is created, and stored with it (see NewRun).
import { StepwiseError } from "../../kernel/index.ts";
import { indexShardOf } from "../core/shard-hash.ts";
import type { RunIndex } from "./run-index.ts";

export { indexShardOf };

/** The most shards a deployment may have: one list request asks each of them. */
export const MAX_INDEX_SHARDS = 256;

/**
 * How many shards the run index has: STEPWISE_INDEX_SHARDS, 1 when it is unset or empty. A value that
 * is not a whole number from 1 to MAX_INDEX_SHARDS throws `config.invalid`, naming the var.
 */
export function indexShardCount(env: { STEPWISE_INDEX_SHARDS?: unknown }): number {
  const raw = env.STEPWISE_INDEX_SHARDS;
  // wrangler passes a var as a string; a config may also give a TOML number.
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : undefined;
  if (raw === undefined || text === "") return 1;
  const count = text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (count >= 1 && count <= MAX_INDEX_SHARDS) return count;
  throw new StepwiseError(
    "config.invalid",
    `STEPWISE_INDEX_SHARDS must be a whole number from 1 to ${MAX_INDEX_SHARDS} (the run index's shard count), not ${JSON.stringify(raw)}`,
  );
}

/** The shard a run created now belongs to, under the deployment's count. */
export function indexShardFor(env: Env, runId: string): number {
  return indexShardOf(runId, indexShardCount(env));
}

/** Shard 0 keeps the name of the index from before shards, so its entries stay where they were. */
export function indexShardName(shard: number): string {
  return shard === 0 ? "global" : `shard-${shard}`;
}

/** The shard an index object's name says it is (indexShardName read back); null for any other name. */
export function indexShardNumber(name: string | undefined): number | null {
  if (name === "global") return 0;
  const match = /^shard-([1-9]\d{0,2})$/.exec(name ?? "");
  if (match === null) return null;
  const shard = Number(match[1]);
  return shard < MAX_INDEX_SHARDS ? shard : null;
}

export function indexShard(env: Env, shard: number): DurableObjectStub<RunIndex> {
  return env.RUN_INDEX.getByName(indexShardName(shard));
}

/** The stubs of shards `from` to `to` - 1. */
export function indexShardRange(env: Env, from: number, to: number): DurableObjectStub<RunIndex>[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => indexShard(env, from + i));
}
