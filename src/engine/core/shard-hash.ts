// Which run index shard a run id hashes to: pure, so the Worker and the Node tests that check where runs
// landed compute it alike.

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
