// The pool object's RPC messages. Requests are parsed at the object's boundary; every reply is data
// (RpcResult), because RPC keeps only an error's message and the callers branch on codes.
import { z } from "zod";
import type { RpcResult } from "../../kernel/index.ts";
import { ACTION_RUN_ID, ActionRunSpec, type ActionRunView } from "../action-run/rpc.ts";
import { PoolConfigInput } from "./core/queue.ts";

export const HOLDER_ID = /^[A-Za-z0-9_][A-Za-z0-9_.:/#-]{0,299}$/;

export const AcquireRequest = z.object({
  pool: PoolConfigInput,
  holderId: z.string().regex(HOLDER_ID),
  /** How long to wait for a slot before answering "not yet"; capped by the pool. */
  waitMs: z.number().int().min(0).optional(),
});
export type AcquireRequest = z.input<typeof AcquireRequest>;

export type AcquireResult = { granted: true; leaseMs: number; heartbeatMs: number } | { granted: false; position: number };

export const HolderRequest = z.object({ holderId: z.string().regex(HOLDER_ID) });
export type HolderRequest = z.input<typeof HolderRequest>;

export const EnqueueRequest = z.object({
  pool: PoolConfigInput,
  jobId: z.string().regex(ACTION_RUN_ID),
  spec: ActionRunSpec,
});
export type EnqueueRequest = z.input<typeof EnqueueRequest>;

/** A workflow run's line (flow control): the pool named for its workflow, rule and key, with the rule's limit. */
const LinePool = z.object({ name: z.string().regex(/^flow:[0-9a-f]{32}$/), maxParallelism: z.number().int().min(1).max(10_000) });
const RunId = z.string().min(1).max(200);
const PeriodMs = z
  .number()
  .int()
  .min(1)
  .max(366 * 24 * 60 * 60 * 1000);

export const EnqueueRunRequest = z.object({ pool: LinePool, runId: RunId, holdMs: PeriodMs.nullable() });
export type EnqueueRunRequest = z.input<typeof EnqueueRunRequest>;

export const TakeRequest = z.object({ pool: LinePool, runId: RunId, periodMs: PeriodMs });
export type TakeRequest = z.input<typeof TakeRequest>;

export const DebounceRequest = z.object({
  pool: LinePool,
  runId: RunId,
  args: z.string().max(2 * 1024 * 1024),
  periodMs: PeriodMs,
  maxWaitMs: PeriodMs.nullable(),
});
export type DebounceRequest = z.input<typeof DebounceRequest>;

export const SetMaxRequest = z.object({
  pool: PoolConfigInput,
  /** `null` clears a run-time override: the constructors' value applies again. */
  maxParallelism: z.number().int().min(0).max(10_000).nullable(),
});
export type SetMaxRequest = z.input<typeof SetMaxRequest>;

export const PoolFailure = z.object({
  jobId: z.string().regex(ACTION_RUN_ID),
  /** The action the job ran. */
  action: z.string().min(1).max(300),
  error: z.object({ code: z.string().max(200), message: z.string().max(10_000) }),
  /** When the job failed for good. */
  at: z.number(),
});
/** A job that failed for good (no attempt left, or a non-retryable error), as its pool keeps it. */
export type PoolFailure = z.infer<typeof PoolFailure>;

/** What the console shows of a pool. */
export interface PoolOverview {
  name: string;
  maxParallelism: number;
  queued: number;
  inFlight: number;
  /** Newest first; the pool keeps the last RECENT_FAILURES. */
  recentFailures: PoolFailure[];
}

export interface PoolStats {
  name: string | null;
  /** The limit in force (the run-time override, else the latest declared value, else 10). */
  maxParallelism: number;
  declaredMaxParallelism: number | null;
  overrideMaxParallelism: number | null;
  leaseMs: number;
  /** Slots taken (granted, or being handed to a job). */
  inFlight: number;
  /** Entries waiting for a slot: holders and jobs. */
  queued: number;
  /** Counters since the pool was created. */
  enqueued: number;
  granted: number;
  released: number;
  /** Leases that lapsed because their holder stopped renewing them (a crash): their slots came back. */
  expired: number;
  /** Queued holders that stopped asking (their caller died while waiting). */
  abandoned: number;
  canceled: number;
}

/** The pool object's RPC surface, which its class implements: callers type their stubs by it. */
export interface WorkpoolRpc {
  acquire(req: AcquireRequest): Promise<RpcResult<AcquireResult>>;
  heartbeat(req: HolderRequest): RpcResult<{ held: true; heartbeatMs: number } | { held: false }>;
  release(req: HolderRequest): RpcResult<{ released: boolean }>;
  enqueue(req: EnqueueRequest): RpcResult<{ jobId: string; created: boolean }>;
  jobStatus(jobId: string): Promise<RpcResult<ActionRunView>>;
  cancelJob(jobId: string): Promise<RpcResult<{ status: "canceled" }>>;
  setMaxParallelism(req: SetMaxRequest): RpcResult<PoolStats>;
  stats(): RpcResult<PoolStats>;
  /** From a job's action run, once it failed for good. Idempotent. */
  recordFailure(failure: PoolFailure): RpcResult<{ recorded: true }>;
  overview(): RpcResult<PoolOverview>;
  /** Flow control: a workflow run joins its line (admitted at once, or queued), takes a rate limit's start, joins a debounce burst. */
  enqueueRun(req: EnqueueRunRequest): RpcResult<{ admitted: boolean; position: number }>;
  takeStart(req: TakeRequest): RpcResult<{ taken: true } | { taken: false; retryAfterMs: number }>;
  debounceRun(req: DebounceRequest): RpcResult<{ runId: string; created: boolean }>;
  /** A run's place in line (or its burst's due time); nulls when it is not waiting here. */
  runPlace(runId: string): RpcResult<{ position: number | null; dueAt: number | null }>;
  /** The run leaves its line, gives back its slot, or drops its open burst. Idempotent. */
  leaveRun(runId: string): RpcResult<{ left: boolean }>;
  /** The pools' directory (only the POOL_DIRECTORY instance holds entries; see directory.ts). */
  directoryAdd(name: string): RpcResult<{ added: boolean }>;
  directoryList(): RpcResult<{ names: string[] }>;
  directoryHas(name: string): RpcResult<{ listed: boolean }>;
}
