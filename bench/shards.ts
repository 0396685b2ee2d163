/// <reference types="node" />
// The run index shards bench: how many upserts one index shard takes locally, and how many one-step runs a
// second a deployment starts and indexes with STEPWISE_INDEX_SHARDS = 1, 2 and 4, each in its own local
// `wrangler dev` (bench/wrangler.shards.toml); then the same with a simulated saturated shard.
//
//   node bench/shards.ts [--quick] [--json=FILE]                      standalone
//   import { runShardsBench, formatShardsBench } from "./shards.ts"   from another script
//
// Method: the Worker (bench/shards-worker.ts) runs the loops itself, so no HTTP sits in them. Upserts:
// `n` entries of new runs pushed to the index at a fixed concurrency, timed in the Worker, into shard 0
// only (one shard's rate, at rising concurrency until it stops growing; then entries of runs waiting for a
// signal, which write the inbox's row too) and spread over every shard.
// Starts: `runs` starts at `concurrency` at a time, timed in Node from just before the request until
// (a) the Worker answered every start, and (b) the index's counts (summed over the shards, as the run
// list reads them) show every run completed, polled every 10 ms: starts answered and runs indexed per
// second. The upserts a run costs are counted by the bench's index objects.
//
// Local workerd runs every object on one thread: a shard's CPU is the machine's, shared with the run
// objects and the Worker. So more shards can only help here where one shard, not the thread, is the
// limit, and the bench prints what it measured and says which it was. The simulation (bench only,
// BENCH_INDEX_UPSERT_MS) makes each upsert hold its shard for a fixed time without using the CPU, as a
// shard running at its limit on its own machine would, to show what sharding does where the shard caps.
import { writeFileSync } from "node:fs";
import { startWranglerDev, type DevServer } from "../test/helpers/wrangler-dev.ts";
import { benchDevEnv } from "./dev-env.ts";

export interface ShardsBenchOptions {
  quick?: boolean;
  /** Shard counts to compare (default [1, 2, 4]). */
  shards?: number[];
  /** Runs per start measurement (default 400; 100 with `quick`). */
  runs?: number;
  /** Starts in flight at once (default 100; 50 with `quick`). */
  concurrency?: number;
  /** Upserts per upsert measurement (default 3000; 1000 with `quick`). */
  upserts?: number;
  /** Start measurements per shard count with the real index, of which the median is kept (default 3; 1 with `quick`). */
  repeats?: number;
  /** The simulated time each upsert holds its shard, in ms (default 20: at most 50 upserts/s a shard); 0 skips the simulation. */
  simulatedUpsertMs?: number;
  log?: (line: string) => void;
}

export interface UpsertRow {
  shards: number;
  /** Whether the entries went to every shard by their run ids, or all to shard 0. */
  spread: boolean;
  /** Whether the entries were of runs waiting for a signal (each with its inbox row), or of running runs. */
  waiting: boolean;
  concurrency: number;
  upserts: number;
  upsertsPerSecond: number;
  /** The simulated time each upsert held its shard (0: none, the real index). */
  simulatedUpsertMs: number;
}

export interface StartRow {
  shards: number;
  runs: number;
  concurrency: number;
  /** Starts answered per second (the start RPCs, which do not wait for the index). */
  startsPerSecond: number;
  /** Runs per second from the first start until the index listed every run completed. */
  indexedPerSecond: number;
  /** Upserts the index took per run. */
  upsertsPerRun: number;
  /** The simulated time each upsert held its shard (0: none, the real index). */
  simulatedUpsertMs: number;
}

export interface ShardsBenchResult {
  upserts: UpsertRow[];
  starts: StartRow[];
}

export const SHARDS_BENCH_CONFIG = "bench/wrangler.shards.toml";

export async function runShardsBench(opts: ShardsBenchOptions = {}): Promise<ShardsBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const counts = opts.shards ?? [1, 2, 4];
  const runs = opts.runs ?? (opts.quick ? 100 : 400);
  const concurrency = opts.concurrency ?? (opts.quick ? 50 : 100);
  const upserts = opts.upserts ?? (opts.quick ? 1000 : 3000);
  const repeats = opts.repeats ?? (opts.quick ? 1 : 3);
  const simulatedMs = opts.simulatedUpsertMs ?? 20;
  const result: ShardsBenchResult = { upserts: [], starts: [] };
  let tagN = 0;
  const tag = () => `${Date.now().toString(36)}-${++tagN}`;

  const withDev = async <T>(vars: Record<string, string>, fn: (dev: DevServer) => Promise<T>): Promise<T> => {
    const dev = await startWranglerDev({ config: SHARDS_BENCH_CONFIG, vars, env: benchDevEnv() });
    try {
      return await fn(dev);
    } finally {
      await dev.dispose();
    }
  };
  const post = async (dev: DevServer, path: string, body: unknown): Promise<any> => {
    const res = await fetch(dev.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const get = async (dev: DevServer, path: string): Promise<any> => {
    const res = await fetch(dev.url + path);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  /** One upserts row: what to push (`waiting` and `simulatedUpsertMs` default to false and 0), and its rate. */
  type UpsertLoad = Omit<UpsertRow, "upsertsPerSecond" | "waiting" | "simulatedUpsertMs"> & Partial<Pick<UpsertRow, "waiting" | "simulatedUpsertMs">>;
  const measureUpserts = async (dev: DevServer, load: UpsertLoad): Promise<UpsertRow> => {
    const row = { waiting: false, simulatedUpsertMs: 0, ...load };
    const { ms } = await post(dev, "/bench/shards/upserts", {
      tag: `u-${tag()}`,
      n: row.upserts,
      concurrency: row.concurrency,
      spread: row.spread,
      waiting: row.waiting,
    });
    return { ...row, upsertsPerSecond: row.upserts / (ms / 1000) };
  };

  const measureStarts = async (dev: DevServer, shards: number, n: number, simulatedUpsertMs: number): Promise<StartRow> => {
    const before = (await get(dev, "/bench/shards/completed")).completed as number;
    const upsertsBefore = (await get(dev, "/bench/shards/upsert-count")).upserts as number;
    const t0 = performance.now();
    await post(dev, "/bench/shards/start", { tag: `r-${tag()}`, runs: n, concurrency });
    const started = performance.now() - t0;
    while ((await get(dev, "/bench/shards/completed")).completed - before < n) {
      if (performance.now() - t0 > 120_000) throw new Error(`the index did not list ${n} completed runs within 120 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const indexed = performance.now() - t0;
    const upsertsAfter = (await get(dev, "/bench/shards/upsert-count")).upserts as number;
    return {
      shards,
      runs: n,
      concurrency,
      startsPerSecond: n / (started / 1000),
      indexedPerSecond: n / (indexed / 1000),
      upsertsPerRun: (upsertsAfter - upsertsBefore) / n,
      simulatedUpsertMs,
    };
  };

  const describeStart = (r: StartRow) =>
    `${r.shards} shard(s)${r.simulatedUpsertMs > 0 ? `, simulated ${r.simulatedUpsertMs} ms/upsert` : ""}: ${r.runs} runs, ${r.startsPerSecond.toFixed(0)} starts/s answered, ${r.indexedPerSecond.toFixed(0)} runs/s indexed, ${r.upsertsPerRun.toFixed(2)} upserts/run`;

  for (const shards of counts) {
    await withDev({ STEPWISE_INDEX_SHARDS: String(shards) }, async (dev) => {
      // Warm-up: the objects, the code paths and SQLite of a few shards and runs.
      await measureUpserts(dev, { shards, spread: true, concurrency: 50, upserts: Math.min(500, upserts) });
      await measureStarts(dev, shards, Math.min(50, runs), 0);
      if (shards === 1) {
        // One shard's rate: concurrency rises until the rate stops growing.
        for (const c of opts.quick ? [10, 200] : [10, 100, 400]) {
          const row = await measureUpserts(dev, { shards: 1, spread: false, concurrency: c, upserts });
          log(`1 shard, ${c} upserts in flight: ${row.upsertsPerSecond.toFixed(0)} upserts/s`);
          result.upserts.push(row);
        }
        // Entries of runs waiting for a signal, as runs that wait push at their start: the inbox's row too.
        const waiting = await measureUpserts(dev, { shards: 1, spread: false, concurrency: 100, upserts, waiting: true });
        log(`1 shard, 100 upserts in flight, runs waiting for a signal: ${waiting.upsertsPerSecond.toFixed(0)} upserts/s`);
        result.upserts.push(waiting);
      } else {
        const c = opts.quick ? 200 : 400;
        const row = await measureUpserts(dev, { shards, spread: true, concurrency: c, upserts });
        log(`${shards} shards, ${c} upserts in flight, spread by run id: ${row.upsertsPerSecond.toFixed(0)} upserts/s`);
        result.upserts.push(row);
      }
      // The machine's noise between runs of the same measurement is large (disk syncs of new objects' SQLite files): the median of a few.
      const rows: StartRow[] = [];
      for (let i = 0; i < repeats; i++) {
        rows.push(await measureStarts(dev, shards, runs, 0));
        log(describeStart(rows.at(-1)!));
      }
      result.starts.push(rows.sort((a, b) => a.indexedPerSecond - b.indexedPerSecond)[Math.floor(rows.length / 2)]!);
    });
  }

  if (simulatedMs > 0) {
    for (const shards of counts) {
      await withDev({ STEPWISE_INDEX_SHARDS: String(shards), BENCH_INDEX_UPSERT_MS: String(simulatedMs) }, async (dev) => {
        await measureStarts(dev, shards, Math.min(20, runs), simulatedMs);
        if (shards === 1) {
          // What a simulated shard takes, measured: the timer's own cost comes on top of the simulated time.
          const upsertRow = await measureUpserts(dev, { shards: 1, spread: false, concurrency: 100, upserts: 100, simulatedUpsertMs: simulatedMs });
          log(`1 simulated shard, 100 upserts in flight: ${upsertRow.upsertsPerSecond.toFixed(0)} upserts/s`);
          result.upserts.push(upsertRow);
        }
        const row = await measureStarts(dev, shards, runs, simulatedMs);
        log(describeStart(row));
        result.starts.push(row);
      });
    }
  }
  return result;
}

/** The result as table lines (markdown), and what they say. */
export function formatShardsBench(r: ShardsBenchResult): string {
  const lines = ["| run index upserts | shards | in flight | upserts | upserts/s |", "| --- | ---: | ---: | ---: | ---: |"];
  for (const u of r.upserts) {
    const what = `${u.spread ? "spread by run id" : "into shard 0"}${u.waiting ? ", runs waiting for a signal" : ""}${u.simulatedUpsertMs > 0 ? `, SIMULATED ${u.simulatedUpsertMs} ms/upsert` : ""}`;
    lines.push(`| ${what} | ${u.shards} | ${u.concurrency} | ${u.upserts} | ${u.upsertsPerSecond.toFixed(0)} |`);
  }
  const realUpserts = r.upserts.filter((u) => u.simulatedUpsertMs === 0);
  const oneShard = Math.max(0, ...realUpserts.filter((u) => !u.spread && !u.waiting && u.shards === 1).map((u) => u.upsertsPerSecond));
  const spreadBest = Math.max(0, ...realUpserts.filter((u) => u.spread).map((u) => u.upsertsPerSecond));

  /** One table of start rows; its 1-shard row and the best row by runs indexed. */
  const table = (rows: StartRow[], title: string) => {
    const base = rows.find((s) => s.shards === 1);
    const ratio = (v: number, b: number | undefined) => (b === undefined ? "" : `${(v / b).toFixed(2)}x`);
    lines.push(
      "",
      `| ${title} | runs | in flight | starts/s answered | ratio | runs/s indexed | ratio | upserts/run |`,
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const s of rows) {
      lines.push(
        `| ${s.shards} shard(s) | ${s.runs} | ${s.concurrency} | ${s.startsPerSecond.toFixed(0)} | ${ratio(s.startsPerSecond, base?.startsPerSecond)} | ${s.indexedPerSecond.toFixed(0)} | ${ratio(s.indexedPerSecond, base?.indexedPerSecond)} | ${s.upsertsPerRun.toFixed(2)} |`,
      );
    }
    return base === undefined ? undefined : { base, best: rows.reduce((a, b) => (b.indexedPerSecond > a.indexedPerSecond ? b : a)) };
  };

  const realRows = r.starts.filter((s) => s.simulatedUpsertMs === 0);
  const real = table(realRows, "one-step runs, the real index");
  if (real !== undefined && oneShard > 0) {
    const { base, best } = real;
    const asked = base.indexedPerSecond * base.upsertsPerRun;
    const gain = best.indexedPerSecond / base.indexedPerSecond;
    const rates = realRows.map((s) => s.indexedPerSecond);
    lines.push(
      "",
      `A start does not wait for the index (the run pushes its entry after its turn), so an index that cannot keep up shows as runs indexed/s falling behind starts/s. One shard took up to ${oneShard.toFixed(0)} upserts/s here (${spreadBest.toFixed(0)} at best spread over several, on the same thread); the runs at 1 shard asked it for ${asked.toFixed(0)} upserts/s (${base.indexedPerSecond.toFixed(0)} runs/s x ${base.upsertsPerRun.toFixed(2)} upserts each), ${((asked / oneShard) * 100).toFixed(0)}% of that.`,
      asked < oneShard * 0.8
        ? `So locally the shard is not the limit and sharding cannot speed anything up: every object shares workerd's one thread, and creating and running the run objects fills it long before one shard is busy. The rows differ (${Math.min(...rates).toFixed(0)} to ${Math.max(...rates).toFixed(0)} runs/s) by the machine's noise, not by the shard count. In production each shard is an object of its own, and one shard caps a deployment at its own upsert rate / ${base.upsertsPerRun.toFixed(2)} runs/s of runs like these (runs that sleep or wait push at each change); the simulation below shows what sharding does there.`
        : gain >= 1.2
          ? `One shard was near its limit, and runs indexed grew with shards: ${best.shards} shards indexed ${gain.toFixed(2)}x the runs per second of one.`
          : `One shard was near its limit, yet more shards did not help (best ${gain.toFixed(2)}x): the thread every local object shares is the limit too.`,
    );
  }
  const simulated = r.starts.filter((s) => s.simulatedUpsertMs > 0);
  if (simulated.length > 0) {
    const ms = simulated[0]!.simulatedUpsertMs;
    const perShard = r.upserts.find((u) => u.simulatedUpsertMs > 0)?.upsertsPerSecond ?? 1000 / ms;
    table(simulated, `SIMULATED saturated shard, ${ms} ms/upsert`);
    const ceilings = simulated.map((s) => `${s.shards}: ${((s.shards * perShard) / (s.upsertsPerRun || 1)).toFixed(0)}`).join(", ");
    lines.push(
      "",
      `A simulation, not the real index: BENCH_INDEX_UPSERT_MS makes each upsert hold its shard for ${ms} ms without using the CPU (bench/shards-worker.ts), as a shard at its limit on a machine of its own would; one such shard took ${perShard.toFixed(0)} upserts/s. The index's ceiling in runs/s by shard count is then ${ceilings}. Runs indexed grow with the shards as long as that ceiling is below what the local thread can start (the real index's rows above), and stay under it: the shards' timers run on the same thread as the runs, and likely fire late while it is busy starting them (idle, a simulated shard took the rate above).`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const json = argv.find((a) => a.startsWith("--json="))?.slice(7);
  const result = await runShardsBench({ quick: argv.includes("--quick") });
  console.log(`\n${formatShardsBench(result)}`);
  if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 2));
}
