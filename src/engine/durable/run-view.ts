// The read model of a run: what `getRun` and `GET /api/runs/:runId` return, built from storage rows.
import { z } from "zod";
import { liveStatus, type StepRecord } from "../core/journal.ts";
import { decodePayload, jsonColumn } from "../../kernel/index.ts";
import type { RunRecord } from "./run-store.ts";
import type { TokenUsage } from "../core/usage.ts";
import { ChildDetail, SignalDetail } from "../core/journal.ts";

export type WaitingFor =
  | { seq: number; kind: "sleep"; name: string; until: number }
  | { seq: number; kind: "retry"; name: string; attempt: number; at: number }
  /**
   * `schema`: the JSON Schema a payload must match, when the wait has one. `label`: what kind of wait it
   * is, when its code says (`"approval"`), and `forStep` the seq of the step it answers (an approval's request).
   */
  | { seq: number; kind: "signal"; signal: string; timeoutAt: number | null; schema?: Record<string, unknown>; label?: string; forStep?: number }
  | { seq: number; kind: "workflow"; name: string; childRunId: string }
  | { seq: number; kind: "step"; name: string; stepKind: string; attempt: number };

export interface StepView {
  seq: number;
  name: string;
  kind: string;
  status: string;
  attempts: number;
  startedAt: number;
  completedAt: number | null;
  wakeAt: number | null;
  result?: unknown;
  error?: unknown;
}

export interface RunView {
  runId: string;
  workflow: string;
  status: "queued" | "running" | "sleeping" | "waiting" | "paused" | "completed" | "failed" | "canceled";
  /** The workflow version the run executes on (it never changes for a run). */
  version: number;
  args: unknown;
  result?: unknown;
  error?: { code: string; message: string };
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  stepCount: number;
  waitingFor: WaitingFor[];
  /** When the run was paused (it starts no new step until resumed); null when not paused. */
  pausedAt: number | null;
  /** The run this one restarts (it kept that run's steps before `restartFromStep`). */
  restartOf?: string;
  restartFromStep?: number;
  /** The run that restarted this one, once there is one. */
  restartedAs?: string;
  /** When a finished run's storage will be deleted (retention); null while it runs or owes side effects. */
  expiresAt: number | null;
  /** While the run waits in its workflow's line (flow control): which, since when, and its place. */
  queue?: QueuePlace;
  steps?: StepView[];
  /** The tokens its steps' attempts reported (agent steps report theirs), in all and by model; zeros when none did. */
  usage: TokenUsage;
  /** How many journaled steps this instance replayed when it picked the run up (null: not live here). */
  stats: { replayedSteps: number | null; replayMs: number | null };
}

/** Where a queued run stands: its rule and key, since when it waits, how many are ahead, and when a debounce fires. */
export interface QueuePlace {
  kind: "concurrency" | "throttle" | "debounce";
  key: string;
  since: number;
  /** Runs ahead of it in line (null: not known right now, its pool did not answer). */
  position: number | null;
  /** A debounced run: when its burst starts it, unless another start comes first. */
  dueAt: number | null;
}

/** A live run's status: queued while it waits in its line, then paused, or what its open steps say. */
export function liveRunStatus(run: RunRecord, open: StepRecord[]): RunView["status"] {
  if (run.flowState === "enqueue" || run.flowState === "queued") return "queued";
  return run.pausedAt !== null ? "paused" : liveStatus(open);
}

const ErrorJson = z.object({ code: z.string(), message: z.string() });

export function buildRunView(
  run: RunRecord,
  open: StepRecord[],
  extra: { steps?: StepRecord[]; stepCount: number; usage: TokenUsage; stats: RunView["stats"] },
): RunView {
  const view: RunView = {
    runId: run.runId,
    workflow: run.workflow,
    version: run.version,
    status: run.status !== "running" ? run.status : liveRunStatus(run, open),
    args: decodePayload(run.args),
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    completedAt: run.completedAt,
    stepCount: extra.stepCount,
    waitingFor: run.status === "running" ? open.map(waitingFor) : [],
    pausedAt: run.status === "running" ? run.pausedAt : null,
    expiresAt: run.expiresAt,
    usage: extra.usage,
    stats: extra.stats,
  };
  if (run.restartOf !== null) {
    view.restartOf = run.restartOf;
    view.restartFromStep = run.restartFrom ?? 0;
  }
  if (run.restartedAs !== null) view.restartedAs = run.restartedAs;
  if (run.status === "completed") view.result = decodePayload(run.result);
  if (run.error !== null) view.error = jsonColumn(ErrorJson, run.error, "run.error");
  if (extra.steps !== undefined) view.steps = extra.steps.map(stepView);
  return view;
}

/** What one open step waits for. */
export function waitingFor(s: StepRecord): WaitingFor {
  if (s.kind === "sleep") return { seq: s.seq, kind: "sleep", name: s.name, until: s.wakeAt ?? 0 };
  if (s.status === "retrying") return { seq: s.seq, kind: "retry", name: s.name, attempt: s.attempts + 1, at: s.wakeAt ?? 0 };
  if (s.kind === "signal") {
    const d = jsonColumn(SignalDetail, s.detail, "steps.detail");
    const w: WaitingFor = { seq: s.seq, kind: "signal", signal: d.signal, timeoutAt: d.timeoutAt };
    if (d.schema !== undefined) w.schema = d.schema;
    if (d.label !== undefined) w.label = d.label;
    if (d.forStep !== undefined) w.forStep = d.forStep;
    return w;
  }
  if (s.kind === "workflow") return { seq: s.seq, kind: "workflow", name: s.name, childRunId: jsonColumn(ChildDetail, s.detail, "steps.detail").childRunId };
  return { seq: s.seq, kind: "step", name: s.name, stepKind: s.kind, attempt: s.attempts };
}

function stepView(s: StepRecord): StepView {
  const v: StepView = {
    seq: s.seq,
    name: s.name,
    kind: s.kind,
    status: s.status,
    attempts: s.attempts,
    startedAt: s.startedAt,
    completedAt: s.completedAt,
    wakeAt: s.wakeAt,
  };
  if (s.result !== null) v.result = decodePayload(s.result);
  if (s.error !== null) v.error = JSON.parse(s.error);
  return v;
}
