// Human text for schedules: the list (one row each, with the next instant) and one schedule with its
// recent fires. Pure: each takes the API's answer (typed by hc from AppType) and the clock.
import type { ScheduleList, ScheduleView } from "./api.ts";
import { compactJson, formatRelative, formatTime, table } from "./format.ts";

/**
 * @example
 * formatSchedules({ schedules: [] }); // ["No schedules."]
 */
export function formatSchedules(list: ScheduleList, now: number): string[] {
  if (list.schedules.length === 0) return ["No schedules."];
  return table(
    ["NAME", "WORKFLOW", "CRON", "TIMEZONE", "OVERLAP", "SOURCE", "NEXT"],
    list.schedules.map((s) => [s.name, s.workflow, s.cron, s.timezone, s.overlap, s.source, nextFire(s, now)]),
  );
}

/** A schedule's fields, then its recent fires, newest first. */
export function formatSchedule(s: ScheduleView, now: number): string[] {
  const lines = table(
    [],
    [
      ["name", s.name],
      ["workflow", s.workflow],
      ["cron", `${s.cron} (${s.timezone})`],
      ["args", compactJson(s.args)],
      ["overlap", s.overlap],
      ["catch-up", s.catchUp === "all" ? `all (up to ${s.catchUpLimit})` : s.catchUp],
      ["source", s.source === "code" ? "code (defineSchedule)" : "api"],
      ["next", nextFire(s, now)],
      ...(s.bufferedInstant === null ? [] : [["buffered", formatTime(s.bufferedInstant)]]),
      ...(s.lastRunId === null ? [] : [["last run", s.lastRunId]]),
    ],
  );
  lines.push("", `recent fires (${s.recentFires.length})`);
  if (s.recentFires.length === 0) lines.push("  none yet");
  else
    for (const line of table(
      [],
      s.recentFires.map((f) => [
        formatTime(f.instant),
        `${f.outcome}${f.pending ? " (pending)" : ""}${f.manual ? " [manual]" : ""}`,
        f.runId ?? "-",
        f.error ?? "",
      ]),
    ))
      lines.push(`  ${line}`);
  return lines;
}

/** When the schedule fires next: a time with how far off, "paused", or "never". */
export function nextFire(s: { paused: boolean; nextFireAt: number | null }, now: number): string {
  if (s.paused) return "paused";
  if (s.nextFireAt === null) return "never";
  return `${formatTime(s.nextFireAt)} (${formatRelative(s.nextFireAt, now)})`;
}
