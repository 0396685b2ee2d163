// Human text for one run: its fields (`show`), its steps as a text timeline, and how it ended (`start
// --wait`). Pure: the API's answers (typed by hc from AppType) and the clock in, lines out.
import type { RunView, TimelineStep } from "./api.ts";
import { compactJson, formatDuration, formatRelative, formatTime, table } from "./format.ts";
import { describeWait } from "./format-runs.ts";

/** Longest args or result shown inline; --json shows all of it. */
const MAX_JSON = 2000;

/**
 * A run's fields, one per line, label first.
 * @example
 * formatRun(run, Date.now()); // ["run       run_…", "workflow  await-approval v1", "status    waiting", ...]
 */
export function formatRun(run: RunView, now: number): string[] {
  const fields: [string, string][] = [
    ["run", run.runId],
    ["workflow", `${run.workflow} v${run.version}`],
    ["status", run.pausedAt === null || run.status === "paused" ? run.status : `${run.status} (paused)`],
    ["created", `${formatTime(run.createdAt)} (${formatRelative(run.createdAt, now)})`],
  ];
  if (run.completedAt !== null) fields.push(["ended", `${formatTime(run.completedAt)} (${formatRelative(run.completedAt, now)})`]);
  fields.push(["duration", formatDuration((run.completedAt ?? now) - run.createdAt) + (run.completedAt === null ? " so far" : "")]);
  if (run.pausedAt !== null) fields.push(["paused", `since ${formatTime(run.pausedAt)}`]);
  if (run.queue !== undefined) fields.push(["in line", describePlace(run.queue, now)]);
  fields.push(["args", compactJson(run.args, MAX_JSON)]);
  if (run.status === "completed") fields.push(["result", compactJson(run.result, MAX_JSON)]);
  if (run.error !== undefined) fields.push(["error", `${run.error.message} (${run.error.code})`]);
  for (const w of run.waitingFor) fields.push(["waiting", describeWait(w, now)]);
  if (run.restartOf !== undefined) fields.push(["restarts", `${run.restartOf} from step ${run.restartFromStep ?? 0}`]);
  if (run.restartedAs !== undefined) fields.push(["restarted", `as ${run.restartedAs}`]);
  if (run.usage.byModel.length > 0) fields.push(["tokens", describeUsage(run.usage)]);
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

/**
 * One line per step: seq, name, kind, status, duration, then attempts (when more than one), the last
 * error of a failed or retrying step and a child run. `now` ends the bars of open steps (the timeline's `now`).
 */
export function formatTimeline(steps: readonly TimelineStep[], now: number): string[] {
  if (steps.length === 0) return ["No steps yet."];
  return table(
    ["SEQ", "NAME", "KIND", "STATUS", "DURATION", "NOTES"],
    steps.map((s) => [String(s.seq), s.name, s.kind, s.status, formatDuration((s.endedAt ?? now) - s.startedAt), stepNotes(s, now).join("; ")]),
  );
}

function stepNotes(s: TimelineStep, now: number): string[] {
  const notes: string[] = [];
  if (s.attempts.length > 1) notes.push(`${s.attempts.length} attempts`);
  const error = s.attempts.at(-1)?.error;
  if (error !== undefined && (s.status === "failed" || s.status === "retrying")) notes.push(`${error.message} (${error.code})`);
  if (s.endedAt === null && s.wakeAt !== null) notes.push(`${s.kind === "signal" ? "times out" : "wakes"} ${formatRelative(s.wakeAt, now)}`);
  if (s.signal !== undefined && s.signal !== s.name) notes.push(`signal "${s.signal}"`);
  if (s.childRunId !== undefined) notes.push(`child run ${s.childRunId}`);
  return notes;
}

/** How an ended run ended, for `start --wait`: its status and duration, then its result or error. */
export function formatOutcome(run: RunView): string[] {
  const took = formatDuration((run.completedAt ?? run.updatedAt) - run.createdAt);
  const lines = [`${run.runId} ${run.status} after ${took}`];
  if (run.status === "completed") lines.push(`result  ${compactJson(run.result, MAX_JSON)}`);
  if (run.error !== undefined) lines.push(`error   ${run.error.message} (${run.error.code})`);
  return lines;
}

/** A run's token usage in one line: the totals, then each model's total (its provider in brackets). */
function describeUsage(u: RunView["usage"]): string {
  const models = u.byModel.map((m) => `${m.model}${m.provider === "" ? "" : ` [${m.provider}]`} ${m.totalTokens}`);
  return `${u.totalTokens} (${u.inputTokens} in, ${u.outputTokens} out): ${models.join(", ")}`;
}

/** Where a queued run stands: its rule and key, its place (or when its debounce fires), and since when. */
function describePlace(q: NonNullable<RunView["queue"]>, now: number): string {
  const key = q.key === "" ? "" : ` "${q.key}"`;
  const place =
    q.kind === "debounce"
      ? q.dueAt === null
        ? "starting"
        : `starts ${formatRelative(q.dueAt, now)} unless another start comes`
      : q.position === null
        ? "place unknown"
        : q.position === 0
          ? "next"
          : `${q.position} ahead`;
  return `${q.kind}${key}: ${place}, since ${formatTime(q.since)}`;
}
