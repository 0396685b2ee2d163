// Human text for the lists: the workflows with their live runs per version, a page of runs, and what a
// run waits for. Pure: each takes the API's answer (typed by hc from AppType) and the clock.
import type { RunList, RunView, WorkflowList } from "./api.ts";
import { formatDuration, formatRelative, formatTime, table } from "./format.ts";

/** A wait as GET /api/runs/:runId or GET /api/runs lists it. */
export type Wait = RunView["waitingFor"][number] | RunList["runs"][number]["waitingFor"][number];

/**
 * One line per workflow: its name, newest version, and the live runs of each version.
 * @example
 * formatWorkflows({ workflows: [{ name: "greet", args: {}, version: 2, versions: [{ version: 1, deployed: false, liveRuns: 3 }, { version: 2, deployed: true, liveRuns: 0 }] }] });
 * // ["NAME   VERSION  LIVE RUNS", "greet  2        v1: 3 (not deployed), v2: 0"]
 */
export function formatWorkflows(list: WorkflowList): string[] {
  if (list.workflows.length === 0) return ["No workflows are registered."];
  const rows = list.workflows.map((wf) => [
    wf.name,
    String(wf.version),
    wf.versions.map((v) => `v${v.version}: ${v.liveRuns}${v.deployed ? "" : " (not deployed)"}`).join(", "),
  ]);
  return table(["NAME", "VERSION", "LIVE RUNS"], rows);
}

/** What a page of runs shows: one row per run, then how to get the next page. */
export function formatRunList(list: RunList, now: number, nextPage: (cursor: string) => string): string[] {
  const lines =
    list.runs.length === 0
      ? ["No runs."]
      : table(
          ["RUN", "WORKFLOW", "STATUS", "CREATED", "DURATION", "WAITING FOR"],
          list.runs.map((r) => [
            r.runId,
            `${r.workflow} v${r.version}`,
            r.status,
            formatTime(r.createdAt),
            formatDuration((r.completedAt ?? now) - r.createdAt),
            r.waitingFor.map((w) => describeWait(w, now)).join("; "),
          ]),
        );
  if (list.nextCursor !== null) lines.push("", `More runs: ${nextPage(list.nextCursor)}`);
  return lines;
}

/**
 * A wait in a few words, with its deadline relative to now.
 * @example
 * describeWait({ seq: 0, kind: "signal", signal: "approval", timeoutAt: null }, 0); // 'signal "approval"'
 */
export function describeWait(w: Wait, now: number): string {
  switch (w.kind) {
    case "sleep":
      return `sleep "${w.name}" (wakes ${formatRelative(w.until, now)})`;
    case "retry":
      return `retry of "${w.name}" (attempt ${w.attempt} ${formatRelative(w.at, now)})`;
    case "signal": {
      const label = w.label === undefined ? "" : ` [${w.label}]`;
      const timeout = w.timeoutAt === null ? "" : ` (times out ${formatRelative(w.timeoutAt, now)})`;
      return `signal "${w.signal}"${label}${timeout}`;
    }
    case "workflow":
      return `child run ${w.childRunId}`;
    case "step":
      return `step "${w.name}" in flight`;
  }
}
