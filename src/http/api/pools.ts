// What an operator's console reads of the reliability components: every Workpool that has been used
// (its limit, line, slots in use and recent failures), and the ActionRetrier runs in flight.
import { Hono } from "hono";
import { z } from "zod";
import {
  actionRunNamespace,
  describePool,
  listPools,
  liveRetrierRuns,
  POOL_NAME,
  PoolFailure,
  RECENT_FAILURES,
  workpoolNamespace,
} from "../../components/index.ts";
import { unwrap } from "../../kernel/index.ts";
import { params, query } from "../validators.ts";

export const PoolName = z.string().regex(POOL_NAME, "a pool name is 1-100 characters of letters, digits, '_', '.', ':', '-'");

export const PoolView = z.object({
  name: z.string(),
  maxParallelism: z.number().int().describe("The limit in force (a run-time override, else the latest constructor's value, else 10); 0: paused"),
  queued: z.number().int().describe("Jobs and pooled steps waiting for a slot"),
  inFlight: z.number().int().describe("Slots in use (granted, or being handed to a job)"),
  recentFailures: z.array(PoolFailure).describe(`Jobs that failed for good, newest first; the pool keeps the last ${RECENT_FAILURES}`),
});
export const PoolList = z.object({ pools: z.array(PoolView).describe("Every pool that has been used, by name") });

export const RetriersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(600).optional().describe("nextCursor from the previous page"),
});

export const RetrierRun = z.object({
  runId: z.string(),
  action: z.string(),
  status: z.enum(["pending", "running"]).describe("pending: waiting out a backoff before its next attempt; running: an attempt executes"),
  attempt: z.number().int().describe("Attempts started so far"),
  maxAttempts: z.number().int(),
  startedAt: z.number().describe("When the run started (ms since the epoch)"),
  nextAttemptAt: z.number().nullable().describe("In a backoff: when the next attempt starts"),
});
export const RetrierList = z.object({
  inFlight: z.array(RetrierRun).describe("Oldest first"),
  nextCursor: z.string().nullable(),
});

export function poolRoutes() {
  return new Hono<{ Bindings: Env }>()
    .get("/pools", async (c) => c.json(unwrap(await listPools(workpoolNamespace(c.env)))))
    .get("/pools/:name", params(z.object({ name: PoolName })), async (c) => {
      return c.json(unwrap(await describePool(workpoolNamespace(c.env), c.req.valid("param").name)));
    })
    .get("/retriers", query(RetriersQuery), async (c) => {
      const { limit, cursor } = c.req.valid("query");
      return c.json(unwrap(await liveRetrierRuns(actionRunNamespace(c.env), cursor === undefined ? { limit } : { limit, cursor })));
    });
}
