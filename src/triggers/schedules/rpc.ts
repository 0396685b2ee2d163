// The schedule object's RPC messages and what it reports. Requests are parsed at the object's boundary;
// replies are data (RpcResult), because RPC keeps only an error's message and callers branch on codes.
import { z } from "zod";
import type { RpcResult } from "../../kernel/index.ts";
import { ScheduleInput, type ScheduleSpec } from "./core/index.ts";
import { FireAction, FireOutcome, ScheduleSource } from "./store.ts";

export const PutRequest = z.object({
  spec: ScheduleInput,
  source: ScheduleSource,
  hash: z.string().min(1).max(100),
  /** create: refuse a name taken; sync: create, update a changed definition, or leave an unchanged one alone. */
  mode: z.enum(["create", "sync"]),
});
export type PutRequest = z.input<typeof PutRequest>;

export const FireView = z.object({
  instant: z.number().describe("The cron instant (ms since the epoch); for a manual trigger, when it was asked"),
  manual: z.boolean().describe("Started by POST /api/schedules/{name}/trigger, not by the cron"),
  runId: z.string().nullable().describe("The run it started (or will start, when buffered); null when skipped or missed"),
  outcome: FireOutcome,
  pending: z.boolean().describe("Its calls (a cancel, a start) are not all done yet: the next alarm finishes them"),
  error: z.string().nullable().describe("failed: why the run could not be started"),
  at: z.number().describe("When it was recorded"),
});
export type FireView = z.infer<typeof FireView>;

export const ScheduleSummary = z.object({
  name: z.string(),
  workflow: z.string(),
  cron: z.string(),
  timezone: z.string(),
  args: z.unknown(),
  overlap: z.enum(["skip", "buffer_one", "allow", "cancel_previous"]),
  catchUp: z.enum(["all", "latest", "none"]),
  catchUpLimit: z.number().int(),
  source: ScheduleSource.describe("code: defined with defineSchedule (synced from the deployment); api: created through the API"),
  paused: z.boolean(),
  nextFireAt: z.number().nullable().describe("The next cron instant (ms since the epoch); null when paused"),
  lastInstant: z.number().describe("The newest instant handled; the ones after it are still to come"),
  lastRunId: z.string().nullable().describe("The run it started last: the one overlap looks at"),
  bufferedInstant: z.number().nullable().describe("buffer_one: the instant waiting for the live run to end"),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type ScheduleSummary = z.infer<typeof ScheduleSummary>;

export const ScheduleView = ScheduleSummary.extend({ recentFires: z.array(FireView).describe("Newest first") });
export type ScheduleView = z.infer<typeof ScheduleView>;

export const TriggerResult = z.object({
  runId: z.string().nullable().describe("The run started (or buffered); null when the overlap policy skipped it"),
  outcome: FireOutcome,
});
export type TriggerResult = z.infer<typeof TriggerResult>;

export { FireAction };

/** The schedule object's RPC surface, which its class implements: callers type their stubs by it. */
export interface ScheduleRpc {
  put(req: PutRequest): Promise<RpcResult<{ schedule: ScheduleView; changed: boolean }>>;
  describe(): RpcResult<ScheduleView>;
  pause(): Promise<RpcResult<ScheduleView>>;
  resume(): Promise<RpcResult<ScheduleView>>;
  trigger(): Promise<RpcResult<TriggerResult>>;
  /** `force`: also a code-defined one (a sync removing what the code no longer defines). */
  remove(opts: { force: boolean }): Promise<RpcResult<{ deleted: true }>>;
  /** From the onComplete of a run this schedule started: a buffered instant may start now. */
  runEnded(runId: string): Promise<RpcResult<{ started: string | null }>>;
  /** The schedules' directory (only the SCHEDULE_DIRECTORY instance holds entries; see directory.ts). */
  directoryPut(name: string, source: ScheduleSource): RpcResult<{ listed: true }>;
  directoryRemove(name: string): RpcResult<{ removed: true }>;
  directoryList(): RpcResult<{ entries: { name: string; source: ScheduleSource }[] }>;
}

export type { ScheduleSpec };
