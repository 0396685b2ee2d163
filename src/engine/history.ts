// A run's history as a user saves it (GET /api/runs/:runId/history): its journal with payloads decoded,
// its step.patched answers and its signals. history-replay.ts replays one against new code. Pure.
import { z } from "zod";
import { decodePayload, SerializedError } from "../kernel/index.ts";
import { StepKind, StepStatus, type JournalEntry, type StepRecord } from "./core/journal.ts";
import { journaledError } from "./core/step-machine.ts";
import { TokenUsage } from "./core/usage.ts";

/** The format this file describes; a later, incompatible one gets another number. */
export const HISTORY_FORMAT = "stepwise.history/1";

/**
 * One journal row. `args` and `result` are the values as journaled (absent: undefined, i.e. SQL NULL);
 * `error` the failure of a failed, canceled or abandoned step; `detail` a signal wait's or child step's
 * detail (`SignalDetail`, `ChildDetail`); `usage` the tokens its attempts reported, when they reported any.
 */
export const HistoryStep = z.object({
  seq: z.number().int().nonnegative(),
  name: z.string(),
  kind: StepKind,
  status: StepStatus,
  attempts: z.number().int().nonnegative(),
  args: z.unknown().optional(),
  result: z.unknown().optional(),
  error: SerializedError.optional(),
  detail: z.unknown().optional(),
  startedAt: z.number(),
  completedAt: z.number().nullable(),
  usage: TokenUsage.optional(),
});
export type HistoryStep = z.infer<typeof HistoryStep>;

/** The journaled answer of `step.patched(changeId)`, first asked before step `seq`. */
export const HistoryPatch = z.object({ changeId: z.string(), value: z.boolean(), seq: z.number().int(), at: z.number() });
export type HistoryPatch = z.infer<typeof HistoryPatch>;

/**
 * A signal the run accepted. `payload` absent: the sender omitted it. `takenBy`: the seq of the wait that
 * took it off the buffer, null while no wait has; `refused`: that wait refused its payload (its schema).
 */
export const HistorySignal = z.object({
  name: z.string(),
  payload: z.unknown().optional(),
  receivedAt: z.number(),
  takenBy: z.number().int().nullable(),
  refused: z.literal(true).optional(),
});
export type HistorySignal = z.infer<typeof HistorySignal>;

/** The journaled answer of a `step.usage()`: the `n`-th read (from 0) when the handler had reached step `seq`. */
export const HistoryUsageRead = z.object({ seq: z.number().int(), n: z.number().int(), usage: TokenUsage });
export type HistoryUsageRead = z.infer<typeof HistoryUsageRead>;

/**
 * A run's exported history: enough to replay its handler against other code without executing a step.
 * @example
 * const history = RunHistory.parse(JSON.parse(await readFile(`histories/${runId}.json`, "utf8")));
 * const report = await replayHistory(stepwise.registry, history);
 */
export const RunHistory = z.object({
  format: z.literal(HISTORY_FORMAT),
  runId: z.string(),
  workflow: z.string(),
  /** The workflow version the run executes on. */
  version: z.number().int().positive(),
  status: z.enum(["queued", "running", "sleeping", "waiting", "paused", "completed", "failed", "canceled"]),
  args: z.unknown(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  createdAt: z.number(),
  completedAt: z.number().nullable(),
  exportedAt: z.number(),
  steps: z.array(HistoryStep),
  patches: z.array(HistoryPatch),
  signals: z.array(HistorySignal),
  /** The answers of `step.usage()`; absent from histories exported before token usage existed. */
  usageReads: z.array(HistoryUsageRead).optional(),
});
export type RunHistory = z.infer<typeof RunHistory>;

/** A journal row as a history holds it: its JSON columns decoded (a NULL column left out), with its usage if it has any. */
export function historyStep(row: StepRecord, usage?: TokenUsage): HistoryStep {
  const step: HistoryStep = {
    seq: row.seq,
    name: row.name,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
  };
  if (row.args !== null) step.args = decodePayload(row.args);
  if (row.result !== null) step.result = decodePayload(row.result);
  if (row.error !== null) step.error = journaledError(row.error);
  if (row.detail !== null) step.detail = decodePayload(row.detail);
  if (usage !== undefined) step.usage = usage;
  return step;
}

/** The journal row a history step was made from, as replay reads it (values encoded back to JSON text). */
export function journalEntry(step: HistoryStep): JournalEntry {
  return {
    seq: step.seq,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempts: step.attempts,
    result: step.result === undefined ? null : JSON.stringify(step.result),
    error: step.error === undefined ? null : JSON.stringify(step.error),
    detail: step.detail === undefined ? null : JSON.stringify(step.detail),
  };
}
