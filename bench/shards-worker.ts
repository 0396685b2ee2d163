// The run index shards bench Worker: the engine with a one-step workflow, and routes that push index
// entries and start runs from inside the Worker (no HTTP per call), so the loops load the index, not Node.
// bench/shards.ts drives it.
import { z } from "zod";
import { indexShard, indexShardCount, indexShardOf } from "../src/engine/durable/index-shards.ts";
import { createClient, createRunObject, defineWorkflow, RunIndex as EngineRunIndex, Registry } from "../src/engine/index.ts";
import { inFlight } from "./in-flight.ts";

const oneStep = defineWorkflow({ name: "bench-shards-one-step", args: z.object({ i: z.number() }), handler: async (step, { i }) => step.run("one", () => i) });

const registry = new Registry({ definitions: [oneStep] });

export class WorkflowRun extends createRunObject(registry) {}

/**
 * The engine's run index, counting the upserts it takes. With BENCH_INDEX_UPSERT_MS set (bench only), it
 * also simulates a saturated shard: each upsert holds the object for that long (blockConcurrencyWhile on
 * a timer), so the shard takes at most 1000 / ms upserts a second without using the CPU. Locally every
 * object shares one workerd thread, so a real CPU cost would slow all shards alike and could never show
 * what a shard of its own, on its own machine as in production, is capped by.
 */
export class RunIndex extends EngineRunIndex {
  #upserts = 0;

  override upsert(raw: Parameters<EngineRunIndex["upsert"]>[0]): Promise<void> {
    this.#upserts++;
    const ms = Number((this.env as { BENCH_INDEX_UPSERT_MS?: string }).BENCH_INDEX_UPSERT_MS ?? 0);
    if (ms > 0) void this.ctx.blockConcurrencyWhile(() => scheduler.wait(ms));
    return super.upsert(raw);
  }

  /** Upserts taken since this instance started. */
  upserts(): number {
    return this.#upserts;
  }
}

const UpsertsBody = z.object({
  tag: z.string(),
  n: z.number().int().min(1),
  concurrency: z.number().int().min(1),
  /** Each entry to the shard its run id hashes to (as runs do), or all to shard 0. */
  spread: z.boolean(),
  /** Entries of runs waiting for a signal (the inbox's rows written too), as a start of a run that waits pushes; else of running runs. */
  waiting: z.boolean().default(false),
});
const StartBody = z.object({ tag: z.string(), runs: z.number().int().min(1), concurrency: z.number().int().min(1) });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const shards = indexShardCount(env);
    if (url.pathname === "/healthz") return new Response("ok");
    if (url.pathname === "/bench/shards/upserts" && request.method === "POST") {
      // `n` synthetic entries of new runs, as a run object pushes its first one; timed inside the Worker.
      const wait = (at: number) => ({ status: "waiting", waitingFor: [{ seq: 0, kind: "signal" as const, signal: "go", timeoutAt: null, since: at }] });
      const body = UpsertsBody.parse(await request.json());
      const t0 = performance.now();
      await inFlight(body.n, body.concurrency, async (i) => {
        const runId = `${body.tag}-${i}`;
        const at = Date.now();
        await indexShard(env, body.spread ? indexShardOf(runId, shards) : 0).upsert({
          runId,
          workflow: "bench-shards-synthetic",
          status: "running",
          createdAt: at,
          updatedAt: at,
          version: 1,
          ...(body.waiting ? wait(at) : {}),
        });
      });
      return Response.json({ ms: performance.now() - t0 });
    }
    if (url.pathname === "/bench/shards/start" && request.method === "POST") {
      // Starts `runs` one-step runs, `concurrency` starts at a time; returns once every start is answered.
      const body = StartBody.parse(await request.json());
      const client = createClient(env, registry);
      const t0 = performance.now();
      await inFlight(body.runs, body.concurrency, (i) => client.startRun(oneStep.name, { i }, { runId: `${body.tag}-${i}` }));
      return Response.json({ startMs: performance.now() - t0 });
    }
    if (url.pathname === "/bench/shards/completed") {
      // Completed runs of the workflow by the run index's counts (summed over the shards, as a list shows them).
      const page = await createClient(env, registry).listRuns({ workflow: oneStep.name, counts: true, limit: 1 });
      return Response.json({ completed: page.counts?.find((c) => c.workflow === oneStep.name && c.status === "completed")?.count ?? 0 });
    }
    if (url.pathname === "/bench/shards/upsert-count") {
      const counts = await Promise.all(
        Array.from({ length: shards }, (_, shard) => (indexShard(env, shard) as unknown as DurableObjectStub<RunIndex>).upserts()),
      );
      return Response.json({ upserts: counts.reduce((a, b) => a + b, 0), perShard: counts });
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
