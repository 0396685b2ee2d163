// What the run index holds and answers: a run's entry as its object pushes it, the rows of the run list
// and the inbox, their queries and cursors. Shared by the index object, its store and the run's outbox.
import { z } from "zod";
import { encodeCursor } from "../../kernel/index.ts";
import type { StepRecord } from "../core/journal.ts";
import { waitingFor } from "./run-view.ts";

/**
 * One thing a live run waits for, as the index keeps it: RunView's WaitingFor without a signal's JSON
 * Schema (the list has no use for it, and it can be large), plus `since`, when the wait began.
 */
export const IndexWait = z.discriminatedUnion("kind", [
  z.object({ seq: z.number().int(), kind: z.literal("sleep"), name: z.string(), until: z.number(), since: z.number() }),
  z.object({ seq: z.number().int(), kind: z.literal("retry"), name: z.string(), attempt: z.number().int(), at: z.number(), since: z.number() }),
  z.object({
    seq: z.number().int(),
    kind: z.literal("signal"),
    signal: z.string(),
    timeoutAt: z.number().nullable(),
    label: z.string().optional(),
    since: z.number(),
  }),
  z.object({ seq: z.number().int(), kind: z.literal("workflow"), name: z.string(), childRunId: z.string(), since: z.number() }),
  z.object({ seq: z.number().int(), kind: z.literal("step"), name: z.string(), stepKind: z.string(), attempt: z.number().int(), since: z.number() }),
]);
export type IndexWait = z.infer<typeof IndexWait>;

/** The index's view of a run's open steps: what each waits for, since the step started. */
export function indexWaits(open: readonly StepRecord[]): IndexWait[] {
  // A step in flight is the run working, not waiting: leaving it out keeps a run of slow steps (model
  // calls) from pushing its entry at every step start; sleeps, backoffs, signals and children are waits.
  return open.flatMap((s) => {
    if (s.kind !== "sleep" && s.kind !== "signal" && s.kind !== "workflow" && s.status !== "retrying") return [];
    // Everything but the schema passes through, so a field WaitingFor gains (a signal's label) reaches the index too.
    const { schema: _schema, ...wait } = { schema: undefined, ...waitingFor(s) };
    return [IndexWait.parse({ ...wait, since: s.startedAt })];
  });
}

export const IndexEntry = z.object({
  runId: z.string(),
  workflow: z.string(),
  status: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number().int(),
  /** The workflow version the run executes on. */
  workflowVersion: z.number().int().positive().default(1),
  /** What the run waits for; empty once it ended (and from objects that pushed before waits were indexed). */
  waitingFor: z.array(IndexWait).default([]),
  /** When the run ended; null while it runs. */
  completedAt: z.number().nullable().default(null),
});
export type IndexEntry = z.input<typeof IndexEntry>;

/**
 * A run as the list shows it. `version` here is the workflow version the run executes on, as in RunView
 * and GET /api/workflows (one name for one thing across the API); IndexEntry's own `version`, the push's
 * ordering number, is never shown.
 */
export const IndexedRun = IndexEntry.pick({ runId: true, workflow: true, status: true, createdAt: true, updatedAt: true }).extend({
  version: z.number().int(),
  waitingFor: z.array(IndexWait),
  completedAt: z.number().nullable(),
});
export type IndexedRun = z.infer<typeof IndexedRun>;

/** How many runs of one workflow have one status, over the whole index. */
export const RunCount = z.object({ workflow: z.string(), status: z.string(), count: z.number().int() });
export type RunCount = z.infer<typeof RunCount>;

/** What a run id prefix search takes: the characters a run id may hold (see RUN_ID_PATTERN), so the search is a range on ASCII. */
export const RUN_ID_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;

export const ListQuery = z.object({
  workflow: z.string().optional(),
  status: z.string().optional(),
  /** A prefix of the run id (case-sensitive), in the characters a run id may hold. */
  q: z.string().regex(RUN_ID_PREFIX_PATTERN, "1-200 characters of letters, digits, '_', '.', ':', '-'").optional(),
  /** Adds the counts per workflow and status of the whole index (not filtered). */
  counts: z.boolean().default(false),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});
export type ListQuery = z.input<typeof ListQuery>;

export interface RunPage {
  runs: IndexedRun[];
  nextCursor: string | null;
  counts?: RunCount[];
}

/**
 * Where a page of the run list ended: its last row's (createdAt, runId). The list's order is on these
 * alone, so one cursor means the same place on every shard of the index.
 */
export const ListCursor = z.object({ c: z.number(), r: z.string() });

export function listCursor(last: Pick<IndexedRun, "createdAt" | "runId">): string {
  return encodeCursor({ c: last.createdAt, r: last.runId });
}

/** The list's order, newest first: the store's ORDER BY created_at DESC, run_id DESC (run ids are ASCII, so both compare alike). */
export function newestFirst(a: IndexedRun, b: IndexedRun): number {
  return b.createdAt - a.createdAt || compareText(b.runId, a.runId);
}

/** One open signal wait of a live run, as the inbox lists it. */
export const InboxWait = z.object({
  runId: z.string(),
  workflow: z.string(),
  runCreatedAt: z.number(),
  seq: z.number().int(),
  signal: z.string(),
  since: z.number(),
  timeoutAt: z.number().nullable(),
  label: z.string().optional(),
});
export type InboxWait = z.infer<typeof InboxWait>;

export const InboxQuery = z.object({ limit: z.number().int().min(1).max(100).default(20), cursor: z.string().optional() });
export type InboxQuery = z.input<typeof InboxQuery>;

export interface InboxPage {
  waits: InboxWait[];
  nextCursor: string | null;
}

/** Where a page of the inbox ended: its last wait's (since, runId, seq), the same place on every shard. */
export const InboxCursor = z.object({ s: z.number(), r: z.string(), q: z.number().int() });

export function inboxCursor(last: Pick<InboxWait, "since" | "runId" | "seq">): string {
  return encodeCursor({ s: last.since, r: last.runId, q: last.seq });
}

/** The inbox's order, oldest first: the store's ORDER BY since, run_id, seq. */
export function oldestWaitFirst(a: InboxWait, b: InboxWait): number {
  return a.since - b.since || compareText(a.runId, b.runId) || a.seq - b.seq;
}

/** Strings in the order SQLite's default (binary) collation gives ASCII text. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
