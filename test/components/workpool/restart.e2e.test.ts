// The Workpool under a real crash: `wrangler dev` with a pool of 3 whose slots are held mid-action by a
// Worker request, a pool job and a workflow step, 5 jobs queued behind them; SIGKILL of the whole
// process group, a restart on the same state, and every slot coming back so the queue drains. Then the
// workflows' lines (flow control), which are pools too: runs waiting for a concurrency slot and an open
// debounce burst, killed and restarted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as poll } from "../../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../../helpers/wrangler-dev.ts";

const TOKEN = "test-token";
const POOL = "restart-pool";
/** Short leases, so the slot of a holder that never comes back frees up within a second. */
const LEASE_MS = 1_000;
let dev: DevServer;

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${dev.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const stats = () => call("GET", `/test/components/stats?pool=${POOL}`);
const jobStatus = (id: string) => call("GET", `/test/components/status?pool=${POOL}&id=${encodeURIComponent(id)}`);
const counts = (prefix: string) => call("GET", `/test/probe/counts?prefix=${encodeURIComponent(prefix)}`);

const until = <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000) => poll(what, read, done, timeoutMs, () => dev.logs());

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

describe("a pool whose holders are killed mid-action", () => {
  it("gets every slot back after a SIGKILL restart and drains its queue in order", async () => {
    // Three holders mid-action: a Worker request (it never comes back), a pool job, a workflow step.
    const held = fetch(`${dev.url}/test/components/hold?pool=${POOL}&max=3&leaseMs=${LEASE_MS}&holder=ghost`).catch(() => "killed");
    await until("the ghost's slot", stats, (s) => s.inFlight === 1);
    const job = (
      await call("POST", "/test/components/enqueue", {
        pool: POOL,
        max: 3,
        leaseMs: LEASE_MS,
        action: "hang",
        args: { key: "restart/job", ms: 600_000 },
        retry: true,
      })
    ).id as string;
    const run = (
      await call("POST", "/api/workflows/components.pooled-hang/runs", { args: { pool: POOL, max: 3, leaseMs: LEASE_MS, key: "restart/step", ms: 600_000 } })
    ).runId as string;
    await until(
      "both actions started",
      () => counts("restart/"),
      (c) => c["restart/job/started"] === 1 && c["restart/step/started"] === 1,
    );

    const queued: string[] = [];
    for (let i = 0; i < 5; i++)
      queued.push((await call("POST", "/test/components/enqueue", { pool: POOL, action: "tracked", args: { key: "restart/t", i, ms: 20 } })).id);
    expect(await stats()).toMatchObject({ maxParallelism: 3, inFlight: 3, queued: 5 });

    await dev.stop("SIGKILL");
    expect(await held).toBe("killed");
    await dev.restart();

    // The queue drains: the ghost's lease lapses (its alarm), the job and the step run again.
    for (const id of queued)
      await until(
        `job ${id}`,
        () => jobStatus(id),
        (s) => s.status === "completed",
      );
    const jobDone = await until(
      "the killed job",
      () => jobStatus(job),
      (s) => s.status === "completed",
    );
    expect(jobDone).toMatchObject({ attempts: 2, result: "attempt 2" });
    expect(jobDone.history[0].error.code).toBe("action.interrupted");
    const runDone = await until(
      "the killed run",
      () => call("GET", `/api/runs/${run}`),
      (r) => r.status === "completed",
    );
    expect(runDone.result).toBe("attempt 2");
    expect(runDone.steps[0].attempts).toBe(2);

    const s = await until("the pool to be idle", stats, (s) => s.inFlight === 0 && s.queued === 0);
    expect(s.expired).toBeGreaterThanOrEqual(1); // at least the ghost's slot came back by its lease lapsing
    expect(s.released + s.expired).toBe(s.granted); // every slot ever granted came back
    expect(await call("GET", "/test/components/logged?key=restart/t/starts")).toEqual([0, 1, 2, 3, 4]);
    expect(await counts("restart/")).toMatchObject({ "restart/job/started": 2, "restart/step/started": 2, "restart/t/done": 5 });
  });

  it("keeps runs waiting for a concurrency slot in line and in order across a SIGKILL; the limit holds; a debounce burst still fires once", async () => {
    const user = `kill-${Date.now().toString(36)}`;
    const start = async (workflow: string, n: number) =>
      (await call("POST", `/api/workflows/${workflow}/runs`, { args: { user, n } })) as { runId: string; status: string };
    const run = (id: string) => call("GET", `/api/runs/${id}?steps=none`);
    const first = await start("flow.perUser", 1);
    const second = await start("flow.perUser", 2);
    const third = await start("flow.perUser", 3);
    expect([first.status, second.status, third.status]).toEqual(["running", "queued", "queued"]);
    await until(
      "the first run to wait",
      () => run(first.runId),
      (r) => r.status === "waiting",
    );
    const burst = await start("flow.debounced", 1);
    const joined = await start("flow.debounced", 2);
    expect(joined.runId).toBe(burst.runId);

    await dev.stop("SIGKILL");
    await dev.restart();

    // Nothing lost: the queued runs are still queued, in their places.
    expect((await run(second.runId)).queue).toMatchObject({ kind: "concurrency", key: user, position: 0 });
    expect((await run(third.runId)).queue).toMatchObject({ position: 1 });
    // The burst's due time passed while the server was down: its alarm starts it, with the last args.
    const debounced = await until(
      "the debounced run",
      () => run(burst.runId),
      (r) => r.status === "completed",
    );
    expect(debounced.result).toBe(`${user}:2`);

    for (const [current, next] of [
      [first, second],
      [second, third],
    ] as const) {
      await call("POST", `/api/runs/${current.runId}/signals/go`, { payload: true });
      await until(
        `${current.runId} to end`,
        () => run(current.runId),
        (r) => r.status === "completed",
      );
      await until(
        `${next.runId} to start`,
        () => run(next.runId),
        (r) => r.status === "waiting",
      );
      // The limit holds: the one after it is still in line.
      if (next === second) expect((await run(third.runId)).status).toBe("queued");
    }
    await call("POST", `/api/runs/${third.runId}/signals/go`, { payload: true });
    const last = await until(
      "the last run",
      () => run(third.runId),
      (r) => r.status === "completed",
    );
    expect(last.result).toBe(`${user}:3`);
    const listed = await call("GET", `/api/runs?workflow=flow.debounced&limit=100`);
    expect(listed.runs.filter((r: { runId: string }) => r.runId === burst.runId)).toHaveLength(1);
  });
});
