/// <reference types="node" />
// The Workpool bench: jobs per second through one pool at maxParallelism 10 and 100 with trivial
// actions, runs per second of a workflow with a concurrency limit of 1 per key over 1,000 keys (2,000
// runs) against the same workflow without one, and the latency a pool slot adds to a single workflow
// step. Against a local `wrangler dev`.
//
//   node bench/pool.ts [--quick] [--json=FILE]                 standalone
//   import { runPoolBench, formatPoolBench } from "./pool.ts"  from bench/run.ts
//
// Method: throughput is timed in Node from just before the request that enqueues the jobs until the
// first stats poll (every 10 ms) that sees every job's slot given back (a job gives its slot back only
// after its result is stored); each measurement uses a fresh pool. Step latency is timed inside the
// Worker (bench/pool-worker.ts): sequential one-step runs, alternately without and with `{ pool }`, start
// to the first poll (every 1 ms) that sees the run completed, after warm-up runs; the added latency is
// the difference of the medians.
import { writeFileSync } from "node:fs";
import { startWranglerDev, type DevServer } from "../test/helpers/wrangler-dev.ts";
import { benchDevEnv } from "./dev-env.ts";

export interface PoolBenchOptions {
  /** Jobs per throughput measurement (default 1000; 200 with `quick`). */
  jobs?: number;
  /** Pool sizes to measure (default [10, 100]). */
  parallelism?: number[];
  /** Sequential runs per step-latency side (default 100; 30 with `quick`). */
  latencyRuns?: number;
  quick?: boolean;
  /** A server already running bench/wrangler.pool.toml; by default one is started and stopped here. */
  dev?: DevServer;
  log?: (line: string) => void;
}

export interface ThroughputRow {
  maxParallelism: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  /** How long the Worker took to enqueue them all (32 enqueue calls at a time). */
  enqueueMs: number;
}

export interface LatencySide {
  runs: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
}

/** Runs of a one-step workflow per second: with a concurrency limit of 1 per key over `keys` keys, and without flow control. */
export interface FlowRow {
  workflow: string;
  runs: number;
  keys: number;
  seconds: number;
  runsPerSecond: number;
  startMs: number;
}

export interface PoolBenchResult {
  throughput: ThroughputRow[];
  flow: FlowRow[];
  /** Wall-clock one-step runs, and the step's own duration in the run's journal (its clock moves with I/O). */
  stepLatency: { withoutPool: LatencySide; withPool: LatencySide; addedMedianMs: number; journalStepWithoutMs: number; journalStepWithMs: number };
}

export const POOL_BENCH_CONFIG = "bench/wrangler.pool.toml";

export async function runPoolBench(opts: PoolBenchOptions = {}): Promise<PoolBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const jobs = opts.jobs ?? (opts.quick ? 200 : 1000);
  const latencyRuns = opts.latencyRuns ?? (opts.quick ? 30 : 100);
  const parallelism = opts.parallelism ?? [10, 100];
  const dev = opts.dev ?? (await startWranglerDev({ config: POOL_BENCH_CONFIG, env: benchDevEnv() }));
  const post = async (path: string, body: unknown): Promise<any> => {
    const res = await fetch(dev.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const stats = async (pool: string): Promise<any> => (await fetch(`${dev.url}/bench/pool/stats?pool=${pool}`)).json();
  const tag = Date.now().toString(36);
  try {
    const measureJobs = async (pool: string, max: number, n: number): Promise<ThroughputRow> => {
      const t0 = performance.now();
      const { enqueueMs } = await post("/bench/pool/jobs", { pool, max, jobs: n });
      // Local workerd runs every object on one thread: while the pool drains, a poll is often answered
      // only at the end, so polls cannot sample how many jobs are in flight (the tests count that).
      for (;;) {
        const s = await stats(pool);
        if (s.released >= n) break;
        if (performance.now() - t0 > 300_000) throw new Error(`pool ${pool} did not drain: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const seconds = (performance.now() - t0) / 1000;
      return { maxParallelism: max, jobs: n, seconds, jobsPerSecond: n / seconds, enqueueMs };
    };

    log(`warm-up: ${Math.min(100, jobs)} jobs, ${Math.min(10, latencyRuns)} runs each way`);
    await measureJobs(`warm-${tag}`, 10, Math.min(100, jobs));
    await post("/bench/pool/step", { pool: `warm-step-${tag}`, runs: Math.min(10, latencyRuns) });

    const throughput: ThroughputRow[] = [];
    for (const max of parallelism) {
      const row = await measureJobs(`p${max}-${tag}`, max, jobs);
      log(
        `maxParallelism ${max}: ${jobs} jobs in ${row.seconds.toFixed(2)} s = ${row.jobsPerSecond.toFixed(0)} jobs/s (all enqueued after ${row.enqueueMs.toFixed(0)} ms)`,
      );
      throughput.push(row);
    }

    // Flow control: the same runs with and without a concurrency limit of 1 per key. With twice as many
    // runs as keys, half of them wait in their key's line until the one ahead of them ends.
    const completed = async (workflow: string): Promise<number> =>
      (await (await fetch(`${dev.url}/bench/flow/completed?workflow=${workflow}`)).json()).completed;
    const flowRuns = opts.quick ? 200 : 2000;
    const flowKeys = flowRuns / 2;
    const measureFlow = async (workflow: string, runs: number, keys: number, label: string): Promise<FlowRow> => {
      const before = await completed(workflow);
      const t0 = performance.now();
      const { startMs } = await post("/bench/flow/start", { workflow, runs, keys, tag: `${label}-${tag}` });
      while ((await completed(workflow)) - before < runs) {
        if (performance.now() - t0 > 300_000) throw new Error(`${workflow}: runs did not complete`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const seconds = (performance.now() - t0) / 1000;
      return { workflow, runs, keys, seconds, runsPerSecond: runs / seconds, startMs };
    };
    await measureFlow("bench-flow-keyed", 100, 50, "warm");
    await measureFlow("bench-flow-plain", 100, 50, "warm");
    const flow: FlowRow[] = [];
    for (const workflow of ["bench-flow-plain", "bench-flow-keyed"]) {
      const row = await measureFlow(workflow, flowRuns, flowKeys, "m");
      log(
        `${workflow}: ${flowRuns} runs over ${flowKeys} keys in ${row.seconds.toFixed(2)} s = ${row.runsPerSecond.toFixed(0)} runs/s (all started after ${row.startMs.toFixed(0)} ms)`,
      );
      flow.push(row);
    }

    const times = await post("/bench/pool/step", { pool: `step-${tag}`, runs: latencyRuns });
    const without = summarize(times.without);
    const withPool = summarize(times.with);
    const stepLatency = {
      withoutPool: without,
      withPool,
      addedMedianMs: withPool.medianMs - without.medianMs,
      journalStepWithoutMs: summarize(times.stepWithout).meanMs,
      journalStepWithMs: summarize(times.stepWith).meanMs,
    };
    log(
      `one-step run: ${without.medianMs.toFixed(2)} ms median without a pool, ${withPool.medianMs.toFixed(2)} ms with one (+${stepLatency.addedMedianMs.toFixed(2)} ms)`,
    );
    return { throughput, flow, stepLatency };
  } finally {
    if (opts.dev === undefined) await dev.dispose();
  }
}

function summarize(times: number[]): LatencySide {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { runs: sorted.length, medianMs: at(0.5), p90Ms: at(0.9), meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

/** The result as table lines (markdown). */
export function formatPoolBench(r: PoolBenchResult): string {
  const lines = ["| Workpool, trivial jobs | jobs | seconds | jobs/s | all enqueued after ms |", "| --- | ---: | ---: | ---: | ---: |"];
  for (const t of r.throughput)
    lines.push(`| maxParallelism ${t.maxParallelism} | ${t.jobs} | ${t.seconds.toFixed(2)} | ${t.jobsPerSecond.toFixed(0)} | ${t.enqueueMs.toFixed(0)} |`);
  lines.push("", "| one-step workflow runs | runs | keys | seconds | runs/s | all started after ms |", "| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const f of r.flow) {
    const what = f.workflow === "bench-flow-keyed" ? "`concurrency: { key, limit: 1 }`" : "no flow control";
    lines.push(`| ${what} | ${f.runs} | ${f.keys} | ${f.seconds.toFixed(2)} | ${f.runsPerSecond.toFixed(0)} | ${f.startMs.toFixed(0)} |`);
  }
  const [plain, keyedRow] = r.flow;
  if (plain !== undefined && keyedRow !== undefined)
    lines.push(
      "",
      `With one run per key at a time, runs complete at ${(keyedRow.runsPerSecond / plain.runsPerSecond).toFixed(2)}x the rate without flow control.`,
    );
  const { withoutPool: a, withPool: b, addedMedianMs, journalStepWithoutMs, journalStepWithMs } = r.stepLatency;
  lines.push("", "| one-step run | runs | median ms | p90 ms | mean ms |", "| --- | ---: | ---: | ---: | ---: |");
  lines.push(`| without a pool | ${a.runs} | ${a.medianMs.toFixed(2)} | ${a.p90Ms.toFixed(2)} | ${a.meanMs.toFixed(2)} |`);
  lines.push(`| with \`{ pool }\` | ${b.runs} | ${b.medianMs.toFixed(2)} | ${b.p90Ms.toFixed(2)} | ${b.meanMs.toFixed(2)} |`);
  lines.push(
    "",
    `A pool slot adds ${addedMedianMs.toFixed(2)} ms (median) to a one-step run; the step itself takes ${journalStepWithMs.toFixed(2)} ms with it vs ${journalStepWithoutMs.toFixed(2)} ms without (mean, journal clock).`,
  );
  return lines.join("\n");
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const json = argv.find((a) => a.startsWith("--json="))?.slice(7);
  const result = await runPoolBench({ quick: argv.includes("--quick") });
  console.log(`\n${formatPoolBench(result)}`);
  if (json !== undefined) writeFileSync(json, JSON.stringify(result, null, 2));
}
