// The schemas of a durable action run (a retried action or a pool job): what starts one, what its
// outcome looks like to onComplete, and what `status(id)` returns. Schemas are the source of truth.
import { z } from "zod";
import { RetryPolicy } from "../../engine/index.ts";
import type { RpcResult } from "../../kernel/index.ts";
import type { DirectoryEntry, DirectoryPage } from "./directory.ts";

/** Ids name Durable Objects and pool holders: printable, no spaces, at most 256 characters. */
export const ACTION_RUN_ID = /^[A-Za-z0-9_][A-Za-z0-9_.:/#-]{0,255}$/;

/** A callback by name (an action or mutation in the components' registry), with data passed through. */
export const OnCompleteRef = z.object({ name: z.string(), context: z.unknown().optional() });
export type OnCompleteRef = z.infer<typeof OnCompleteRef>;

/** Everything needed to run the action again after any restart: data only, the code is looked up by name. */
export const ActionRunSpec = z.object({
  action: z.string(),
  args: z.unknown(),
  retry: RetryPolicy,
  onComplete: OnCompleteRef.optional(),
  /** Each attempt runs inside a slot of this pool. */
  pool: z.object({ name: z.string() }).optional(),
});
export type ActionRunSpec = z.infer<typeof ActionRunSpec>;

export const StartRequest = z.object({
  id: z.string().regex(ACTION_RUN_ID),
  spec: ActionRunSpec,
  /** Set by a pool that dispatches a queued job: attempt 1 already holds this slot; renew it this often. */
  lease: z.object({ holderId: z.string(), heartbeatMs: z.number().int().positive() }).optional(),
  /** Set by a pool for a job canceled while queued: record the outcome and run onComplete, nothing else. */
  canceled: z.boolean().optional(),
});
export type StartRequest = z.input<typeof StartRequest>;
export type ParsedStartRequest = z.output<typeof StartRequest>;

export const PublicError = z.object({ code: z.string(), message: z.string() });

/** How a run ended: what onComplete receives as `outcome`. */
export const ActionOutcome = z.discriminatedUnion("status", [
  z.object({ status: z.literal("completed"), result: z.unknown() }),
  z.object({ status: z.literal("failed"), error: PublicError }),
  z.object({ status: z.literal("canceled") }),
]);
export type ActionOutcome = z.infer<typeof ActionOutcome>;

/**
 * The args of an `onComplete` handler: the run's id, its outcome, and the `context` given at start.
 * @example
 * const jobDone = defineMutation({ name: "jobDone", args: OnCompleteArgs, handler: async (ctx, { id, outcome }) => {...} });
 */
export const OnCompleteArgs = z.object({ id: z.string(), outcome: ActionOutcome, context: z.unknown().optional() });
export type OnCompleteArgs = z.infer<typeof OnCompleteArgs>;

export const AttemptView = z.object({
  attempt: z.number().int(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: PublicError.nullable(),
  /** When the next attempt was scheduled, if this one failed and the policy allowed another. */
  retryAt: z.number().nullable(),
});
export type AttemptView = z.infer<typeof AttemptView>;

/** `pending`: queued for a pool slot or waiting out a backoff; `running`: an attempt is executing. */
export const ActionRunStatus = z.enum(["pending", "running", "completed", "failed", "canceled"]);
export type ActionRunStatus = z.infer<typeof ActionRunStatus>;

/** What `status(id)` returns. */
export const ActionRunView = z.object({
  id: z.string(),
  action: z.string(),
  status: ActionRunStatus,
  /** Attempts started so far. */
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  result: z.unknown().optional(),
  error: PublicError.optional(),
  /** In a backoff: when the next attempt starts. */
  nextAttemptAt: z.number().nullable(),
  /** Queued in a pool: how many entries are ahead (only while the pool still holds the job). */
  position: z.number().int().optional(),
  onComplete: z.enum(["none", "pending", "done"]),
  history: z.array(AttemptView),
  createdAt: z.number(),
  completedAt: z.number().nullable(),
});
export type ActionRunView = z.infer<typeof ActionRunView>;

export interface StartReply {
  id: string;
  status: ActionRunView["status"];
  created: boolean;
  /** Whether the run holds the slot the start request handed it (a pool's dispatch). */
  holding: boolean;
}

/**
 * The action run object's RPC surface, which its class implements: callers (the retrier, a pool) type
 * their stubs by it, so they need not import the object and the objects need not import each other.
 */
export interface ActionRunRpc {
  start(req: StartRequest): RpcResult<StartReply>;
  describe(): RpcResult<ActionRunView>;
  cancel(): RpcResult<{ status: "canceled" }>;
  /** The retriers' directory (only the RUN_DIRECTORY instance holds entries; see directory.ts). */
  directoryAdd(entry: DirectoryEntry): RpcResult<{ added: boolean }>;
  directoryRemove(runId: string): RpcResult<{ removed: boolean }>;
  directoryList(page: DirectoryPage): RpcResult<{ entries: DirectoryEntry[]; nextCursor: string | null }>;
}
