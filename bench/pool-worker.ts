// The Workpool bench Worker: trivial jobs through one pool, and a one-step workflow run with and
// without a pool slot. Its routes do the timing-sensitive loops inside the Worker; bench/pool.ts drives it.
import { env as moduleEnv } from "cloudflare:workers";
import { z } from "zod";
import { createComponents, createFlowGates, Workpool } from "../src/components/index.ts";
import { createClient, createRunObject, defineAction, defineWorkflow, Registry } from "../src/engine/index.ts";

const noop = defineAction({ name: "bench.noop", args: z.object({ i: z.number() }), handler: (_ctx, { i }) => i });

const pool = (env: Env, name: string, maxParallelism?: number) =>
  new Workpool(env.WORKPOOLS, maxParallelism === undefined ? { name } : { name, maxParallelism });

/** One trivial step, through a pool slot or not. */
const oneStep = defineWorkflow({
  name: "bench-one-step",
  args: z.object({ pool: z.string().optional() }),
  handler: async (step, args) => step.runAction(noop, { i: 1 }, args.pool === undefined ? {} : { pool: pool(moduleEnv, args.pool) }),
});

/** One trivial step, one run per key at a time (flow control), and the same workflow without a limit. */
const FlowArgs = z.object({ key: z.string(), i: z.number() });
const keyed = defineWorkflow({
  name: "bench-flow-keyed",
  args: FlowArgs,
  concurrency: { key: (a) => a.key, limit: 1 },
  handler: async (step, { i }) => step.run("one", () => i),
});
const unlimited = defineWorkflow({ name: "bench-flow-plain", args: FlowArgs, handler: async (step, { i }) => step.run("one", () => i) });

// The engine alone (no HTTP app): the bench starts and reads runs through the Worker-side client.
const registry = new Registry({ definitions: [oneStep, noop, keyed, unlimited] });
const components = createComponents(registry);

export class WorkflowRun extends createRunObject(registry, { gates: createFlowGates() }) {}
export class WorkpoolQueue extends components.WorkpoolQueue {}
export class ActionRun extends components.ActionRun {}
export { RunIndex } from "../src/engine/index.ts";

const JobsBody = z.object({ pool: z.string(), max: z.number().int().min(1), jobs: z.number().int().min(1), concurrency: z.number().int().min(1).default(32) });
const FlowBody = z.object({
  workflow: z.enum([keyed.name, unlimited.name]),
  runs: z.number().int().min(1),
  keys: z.number().int().min(1),
  tag: z.string(),
  concurrency: z.number().int().min(1).default(50),
});
const StepBody = z.object({ pool: z.string(), max: z.number().int().min(1).default(10), runs: z.number().int().min(1) });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (url.pathname === "/bench/pool/jobs" && request.method === "POST") {
      // Enqueue `jobs` trivial jobs, `concurrency` enqueue calls at a time; returns once all are queued.
      const body = JobsBody.parse(await request.json());
      const p = pool(env, body.pool, body.max);
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(body.concurrency, body.jobs) }, async () => {
          while (next < body.jobs) await p.enqueueAction({ env }, noop, { i: next++ });
        }),
      );
      return Response.json({ enqueueMs: performance.now() - t0 });
    }
    if (url.pathname === "/bench/pool/stats") return Response.json(await pool(env, url.searchParams.get("pool") ?? "").stats());
    if (url.pathname === "/bench/flow/start" && request.method === "POST") {
      // Starts `runs` runs over `keys` keys (run i has key i % keys), `concurrency` starts at a time.
      const body = FlowBody.parse(await request.json());
      const client = createClient(env, registry);
      const t0 = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(body.concurrency, body.runs) }, async () => {
          while (next < body.runs) {
            const i = next++;
            await client.startRun(body.workflow, { key: `${body.tag}-${i % body.keys}`, i });
          }
        }),
      );
      return Response.json({ startMs: performance.now() - t0 });
    }
    if (url.pathname === "/bench/flow/completed") {
      // Completed runs of a workflow, by the run index's counts (what a user's list shows).
      const workflow = url.searchParams.get("workflow") ?? "";
      const page = await createClient(env, registry).listRuns({ workflow, counts: true, limit: 1 });
      return Response.json({ completed: page.counts?.find((c) => c.workflow === workflow && c.status === "completed")?.count ?? 0 });
    }
    if (url.pathname === "/bench/pool/step" && request.method === "POST") {
      // Sequential one-step runs, alternating without and with a pool slot so both see the same
      // conditions; each timed from start to the first poll (every 1 ms) that sees it completed.
      const body = StepBody.parse(await request.json());
      await pool(env, body.pool, body.max).stats(); // the pool object exists and is warm
      const client = createClient(env, registry);
      const times = { without: [] as number[], with: [] as number[], stepWithout: [] as number[], stepWith: [] as number[] };
      for (let i = 0; i < body.runs * 2; i++) {
        const pooled = i % 2 === 1;
        const t0 = performance.now();
        const { runId } = await client.startRun(oneStep.name, pooled ? { pool: body.pool } : {});
        while ((await client.getRun(runId, { steps: "none" })).status !== "completed") await scheduler.wait(1);
        (pooled ? times.with : times.without).push(performance.now() - t0);
        // The step's own duration by the run's journal clock: for a pooled step, the slot's round trip.
        const step = (await client.getRun(runId)).steps![0]!;
        (pooled ? times.stepWith : times.stepWithout).push(step.completedAt! - step.startedAt);
      }
      return Response.json(times);
    }
    return Response.json({ error: "not found" }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
