// The run's steps on a time axis, for a Gantt view: a window of the journal at a time, each step with
// its attempts as spans (rebuilt from the event log only for steps that were retried), and one step in full.
import { z } from "zod";
import { decodePayload, fail, issueDetails, jsonColumn, ok, type RpcResult } from "../../kernel/index.ts";
import { attemptFromRow, attemptsFromEvents, needsEvents, type AttemptEvent, type AttemptRow, type AttemptSpan } from "../core/attempt-history.ts";
import { ChildDetail, SignalDetail, type StepKind, type StepStatus } from "../core/journal.ts";
import type { RunState } from "./run-state.ts";
import type { StepEventRow, TimelineRow } from "./run-store.ts";
import type { RunView } from "./run-view.ts";

export const TimelineQuery = z.object({
  /** The seq the window starts after; -1 (the default) starts at the first step. */
  after: z.number().int().min(-1).default(-1),
  limit: z.number().int().min(1).max(2000).default(500),
});
export type TimelineQuery = z.input<typeof TimelineQuery>;

export interface TimelineStep {
  seq: number;
  name: string;
  kind: StepKind;
  status: StepStatus;
  startedAt: number;
  /** When the step ended (completed, failed, canceled, abandoned); null while it is open. */
  endedAt: number | null;
  /** A sleep's wake-up, a signal wait's timeout, a retry's next start. */
  wakeAt: number | null;
  attempts: AttemptSpan[];
  /** A signal wait's signal name. */
  signal?: string;
  /** A child-workflow step's run. */
  childRunId?: string;
  /** The agent thread the step worked on: a `threadId` its result or args name. */
  threadId?: string;
}

export interface RunTimeline {
  runId: string;
  workflow: string;
  status: RunView["status"];
  startedAt: number;
  endedAt: number | null;
  /** The run object's clock when it answered: where a live bar ends. */
  now: number;
  stepCount: number;
  steps: TimelineStep[];
  /** `after` for the next window; null when this one holds the last journaled step. */
  nextCursor: number | null;
}

/** One step in full: its timeline entry with its args, result and error as journaled. */
export interface StepDetail extends TimelineStep {
  /** The args the step was called with (actions, mutations, runs, child workflows); absent where none were journaled. */
  args?: unknown;
  result?: unknown;
  error?: { code: string; message: string };
}

const ErrorJson = z.object({ code: z.string(), message: z.string() });

export function runTimeline(state: RunState, raw: TimelineQuery): RpcResult<RunTimeline> {
  const { run, store } = state;
  if (run === undefined) return fail("run.not_found", "no such run");
  const query = TimelineQuery.safeParse(raw);
  if (!query.success) return fail("request.invalid", "invalid timeline query", issueDetails(query.error));
  const { after, limit } = query.data;
  const rows = store.timelineRows(after, limit + 1);
  const more = rows.length > limit;
  if (more) rows.pop();
  const history = eventsBySeq(
    state,
    rows.filter((r) => needsEvents(r)).map((r) => r.seq),
  );
  return ok({
    runId: run.runId,
    workflow: run.workflow,
    status: state.status(),
    startedAt: run.createdAt,
    endedAt: run.completedAt,
    now: state.clock.now(),
    stepCount: store.stepCount(),
    steps: rows.map((r) => timelineStep(r, history.get(r.seq))),
    nextCursor: more ? (rows.at(-1)?.seq ?? null) : null,
  });
}

export function stepDetail(state: RunState, rawSeq: number): RpcResult<StepDetail> {
  const { run, store } = state;
  if (run === undefined) return fail("run.not_found", "no such run");
  const seq = z.number().int().safeParse(rawSeq);
  if (!seq.success) return fail("request.invalid", "invalid step seq", issueDetails(seq.error));
  const row = store.getStep(seq.data);
  if (row === undefined) return fail("step.not_found", `the run has no step ${seq.data}`);
  const history = needsEvents(row) ? eventsBySeq(state, [row.seq]).get(row.seq) : undefined;
  const detail: StepDetail = timelineStep(row, history);
  if (row.args !== null) detail.args = decodePayload(row.args);
  if (row.result !== null) detail.result = decodePayload(row.result);
  const thread = [detail.result, detail.args]
    .map((v) => (typeof v === "object" && v !== null && "threadId" in v ? v.threadId : undefined))
    .find((t) => typeof t === "string");
  if (thread !== undefined) detail.threadId = thread;
  const error = stepError(row);
  if (error !== null && row.status !== "completed") detail.error = error;
  return ok(detail);
}

function timelineStep(row: TimelineRow, events: AttemptEvent[] | undefined): TimelineStep {
  const attemptRow: AttemptRow = { ...row, error: stepError(row) };
  const step: TimelineStep = {
    seq: row.seq,
    name: row.name,
    kind: row.kind,
    status: row.status,
    startedAt: row.startedAt,
    endedAt: row.completedAt,
    wakeAt: row.wakeAt,
    attempts: events === undefined ? attemptFromRow(attemptRow) : attemptsFromEvents(attemptRow, events),
  };
  if (typeof row.threadId === "string") step.threadId = row.threadId;
  // A step whose args could not be journaled never got its detail.
  if (row.detail === null) return step;
  if (row.kind === "signal") step.signal = jsonColumn(SignalDetail, row.detail, "steps.detail").signal;
  if (row.kind === "workflow") step.childRunId = jsonColumn(ChildDetail, row.detail, "steps.detail").childRunId;
  return step;
}

function stepError(row: Pick<TimelineRow, "error">): { code: string; message: string } | null {
  if (row.error === null) return null;
  const { code, message } = jsonColumn(ErrorJson, row.error, "steps.error");
  return { code, message };
}

/** The attempt events of the steps `seqs`, by step: one pass over the event log for the whole window. */
function eventsBySeq(state: RunState, seqs: number[]): Map<number, AttemptEvent[]> {
  const out = new Map<number, AttemptEvent[]>();
  for (const e of state.store.attemptEvents(seqs)) {
    let list = out.get(e.step);
    if (list === undefined) out.set(e.step, (list = []));
    list.push(attemptEvent(e));
  }
  // A retried step whose events are gone (kept from a restarted run) still gets its row's span.
  for (const seq of seqs) if (!out.has(seq)) out.set(seq, []);
  return out;
}

function attemptEvent(e: StepEventRow): AttemptEvent {
  const error = e.error === null ? null : jsonColumn(ErrorJson, e.error, "events.data.error");
  return { type: e.type, at: e.at, attempt: e.attempt, until: e.until, error: error === null ? null : { code: error.code, message: error.message } };
}
