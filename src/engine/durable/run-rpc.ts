// What callers send a run object and what it answers: ids, the start request, outcomes. Schemas are
// the source of truth (the object parses every input with them); the Worker-side client shares them.
import { z } from "zod";
import { SerializedError } from "../../kernel/index.ts";
import { StepRecord } from "../core/journal.ts";
import type { RunView } from "./run-view.ts";

/** A caller's onComplete: a registered action or mutation, by name or path, and what to pass it as `context`. */
export const OnCompleteRef = z.object({ name: z.string().min(1).max(200), context: z.unknown().optional() });
export type OnCompleteRef = z.infer<typeof OnCompleteRef>;

/**
 * The args of a caller's onComplete, in the seed's shape: `result` is `{ kind: "success", returnValue }`,
 * `{ kind: "failed", error }` (the message; `code` beside it) or `{ kind: "canceled" }`.
 */
export const RunCompletion = z.object({
  workflowId: z.string(),
  result: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("success"), returnValue: z.unknown() }),
    z.object({ kind: z.literal("failed"), error: z.string(), code: z.string().optional() }),
    z.object({ kind: z.literal("canceled") }),
  ]),
  context: z.unknown(),
});
export type RunCompletion = z.infer<typeof RunCompletion>;

export const RUN_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,199}$/;
export const SIGNAL_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The longest a status read waits for its run to end (`describe`'s `waitMs`, the API's `?wait=`). */
export const MAX_WAIT_MS = 60_000;

/**
 * A status read: `steps: "none"` leaves the journal out; with `waitMs`, the answer comes once the run
 * has ended (completed, failed or canceled) or that long has passed, whichever is first (at most MAX_WAIT_MS).
 */
export interface DescribeOptions {
  steps?: "all" | "none";
  waitMs?: number;
}

export const StartInput = z.object({
  runId: z.string().regex(RUN_ID_PATTERN),
  workflow: z.string(),
  args: z.unknown(),
  parent: z.object({ runId: z.string(), seq: z.number().int() }).optional(),
  /** Set for starts keyed by an Idempotency-Key: an existing run must have been started with the same args. */
  sameArgsOnly: z.boolean().optional(),
  /** A registered action or mutation called once when the run ends, with `RunCompletion` args. */
  onComplete: z.lazy(() => OnCompleteRef).optional(),
  /** The workflow version to run; the newest registered one when not given. */
  version: z.number().int().positive().optional(),
  /** How long the run is kept once finished, in days: overrides the workflow's and the deployment's default. */
  retentionDays: z.number().min(0).max(36_500).optional(),
});
export type StartInput = z.input<typeof StartInput>;

/**
 * A restart: from the step at seq `fromStep` (or the first step named so); without it, from the first
 * step that did not complete. `version`: run the new attempt on that version instead of the run's own.
 */
export const RestartInput = z.object({
  fromStep: z.union([z.number().int().nonnegative(), z.string().min(1).max(200)]).optional(),
  version: z.number().int().positive().optional(),
});
export type RestartInput = z.input<typeof RestartInput>;

export interface RestartResult {
  /** The new run: the restarted one's id with `:r2`, `:r3`... (a new object, linked both ways). */
  runId: string;
  restartOf: string;
  /** The seq the new run executes from; the steps before it are kept. */
  fromStep: number;
  version: number;
  /** The new run's status; "pending" when the handoff to it failed for now (it is owed, and repeated until it succeeds). */
  status: RunView["status"] | "pending";
}

/** What a restarted run object receives from the run it restarts: its identity and the journal it keeps. */
export const AdoptInput = z.object({
  runId: z.string().regex(RUN_ID_PATTERN),
  restartOf: z.string().regex(RUN_ID_PATTERN),
  fromStep: z.number().int().nonnegative(),
  workflow: z.string(),
  version: z.number().int().positive(),
  args: z.string().nullable(),
  onCompleteRef: z.string().nullable(),
  retentionMs: z.number().nonnegative().nullable(),
  /** The kept journal rows, as they are. */
  steps: z.array(StepRecord),
  patches: z.array(z.object({ changeId: z.string(), value: z.boolean(), seq: z.number().int(), at: z.number() })),
  signals: z.array(z.object({ name: z.string(), payload: z.string().nullable(), receivedAt: z.number() })),
});
export type AdoptInput = z.input<typeof AdoptInput>;

/** What a parent that ended sends each open child with its cancel: enough to record a child it never started. */
export const ChildCancel = z.object({
  childRunId: z.string().regex(RUN_ID_PATTERN),
  parentRunId: z.string().regex(RUN_ID_PATTERN),
  seq: z.number().int().nonnegative(),
  workflow: z.string().min(1).max(200),
  args: z.string().nullable(),
});
export type ChildCancel = z.infer<typeof ChildCancel>;

export const Outcome = z.discriminatedUnion("status", [
  z.object({ status: z.literal("completed"), result: z.unknown() }),
  z.object({ status: z.literal("failed"), error: SerializedError }),
  z.object({ status: z.literal("canceled") }),
]);
export type Outcome = z.infer<typeof Outcome>;

export interface StartResult {
  runId: string;
  status: RunView["status"];
  created: boolean;
  /** Set when the run had already ended: lets a parent settle its child step at once. */
  outcome?: Outcome;
}
