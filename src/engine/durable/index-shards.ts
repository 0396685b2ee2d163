// How the run index is split: STEPWISE_INDEX_SHARDS objects, each holding the entries of the runs that
// hash to it. A run's shard is decided once, when the run is created, and stored with it (see NewRun).
import { StepwiseError } from "../../kernel/index.ts";
import type { RunIndex } from "./run-index.ts";

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

/**
 * The shard of a new run: a hash of its id modulo the count. FNV-1a (32 bits) because it is synchronous
 * and spreads ids that differ in their last characters; it only has to be stable, as the result is stored.
 */
export function indexShardOf(runId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    hash ^= runId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/** The shard a run created now belongs to, under the deployment's count. */
export function indexShardFor(env: Env, runId: string): number {
  return indexShardOf(runId, indexShardCount(env));
}

/** Shard 0 keeps the name of the index from before shards, so its entries stay where they were. */
export function indexShardName(shard: number): string {
  return shard === 0 ? "global" : `shard-${shard}`;
}

export function indexShard(env: Env, shard: number): DurableObjectStub<RunIndex> {
  return env.RUN_INDEX.getByName(indexShardName(shard));
}

/** Every shard the lists read: 0 to count - 1. */
export function indexShards(env: Env): DurableObjectStub<RunIndex>[] {
  return Array.from({ length: indexShardCount(env) }, (_, shard) => indexShard(env, shard));
}
