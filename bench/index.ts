/// <reference types="node" />
// `npm run bench`: every benchmark, one after the other, each with its own local `wrangler dev`:
//   1. bench/run.ts        the engine against Cloudflare Workflows (steps, many runs, replay)
//   2. bench/pool.ts       Workpool throughput at maxParallelism 10 and 100, and a pool slot's latency
//   3. bench/streaming.ts  chat delta latency with 1 and 200 sockets, memory of 1,000 idle sockets, what
//                          the thread index and one thread take
//   4. bench/console.ts    the run list with 10,000 runs indexed, and a 10,000-step run's page in Chromium
//   5. bench/shards.ts     one run index shard's upserts/s, and runs started and indexed/s at 1, 2 and 4 shards
// Arguments go to bench/run.ts (see its header); `--quick` goes to all five. Exits non-zero if any failed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick") ? ["--quick"] : [];
const benches: [string, string[]][] = [
  ["run.ts", argv],
  ["pool.ts", quick],
  ["streaming.ts", quick],
  ["console.ts", quick],
  ["shards.ts", quick],
];

const failed: string[] = [];
for (const [file, args] of benches) {
  console.log(`\n=== bench/${file} ===`);
  const res = spawnSync(process.execPath, [fileURLToPath(new URL(file, import.meta.url)), ...args], { stdio: "inherit" });
  if (res.status !== 0) failed.push(`${file} (exit ${res.status ?? res.signal})`);
}
if (failed.length > 0) console.error(`\nfailed: ${failed.join(", ")}`);
process.exit(failed.length > 0 ? 1 : 0);
