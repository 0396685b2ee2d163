// Small pieces the console pages share: a status as a word with a colour and a shape, times (UTC in the
// markup, the viewer's zone once the script runs), durations, and JSON that collapses when long.
import type { FC } from "hono/jsx";

const STATUS_SHAPE: Record<string, string> = {
  running: "▶",
  sleeping: "◔",
  waiting: "⏸",
  paused: "❚❚",
  queued: "…",
  completed: "✓",
  failed: "✕",
  canceled: "⊘",
};

export const StatusBadge: FC<{ status: string }> = ({ status }) => (
  <span class={`status status-${status}`} data-status={status}>
    <span aria-hidden="true">{STATUS_SHAPE[status] ?? "•"}</span> {status}
  </span>
);

/** A time: UTC text and ISO datetime in the markup; console.js rewrites the text in the viewer's zone and keeps UTC on hover. */
export const Time: FC<{ at: number | null | undefined }> = ({ at }) => {
  if (at === null || at === undefined) return <span class="muted">—</span>;
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} title={`${iso.replace("T", " ").slice(0, 19)} UTC`} data-local="">
      {`${iso.replace("T", " ").slice(0, 19)} UTC`}
    </time>
  );
};

/** 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min, 3 d 4 h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export const Duration: FC<{ from: number; to: number | null; now: number }> = ({ from, to, now }) => (
  <span class={to === null ? "duration live" : "duration"} data-from={from} data-to={to ?? ""}>
    {formatDuration((to ?? now) - from)}
  </span>
);

/** JSON, pretty-printed; past a few lines it sits in a <details> that opens on demand. */
export const JsonView: FC<{ value: unknown; label: string }> = ({ value, label }) => {
  const text = value === undefined ? "undefined" : JSON.stringify(value, null, 2);
  if (text.split("\n").length <= 8 && text.length <= 400)
    return (
      <pre class="json" title={label}>
        {text}
      </pre>
    );
  return (
    <details class="json">
      <summary>{`${label} (${text.length} characters)`}</summary>
      <pre>{text}</pre>
    </details>
  );
};

export interface WaitSummary {
  kind: string;
  name?: string;
  signal?: string;
  until?: number;
  at?: number;
  timeoutAt?: number | null;
  childRunId?: string;
  label?: string;
}

/** What a run waits for, in a few words: "signal approval", "sleep until …", "retry 3 at …". */
export function describeWait(w: WaitSummary): string {
  switch (w.kind) {
    case "signal":
      return `${w.label === "approval" ? "approval" : "signal"} ${w.signal ?? ""}`;
    case "sleep":
      return `sleep ${w.name ?? ""}`;
    case "retry":
      return `retry of ${w.name ?? ""}`;
    case "workflow":
      return `child ${w.name ?? ""}`;
    default:
      return `step ${w.name ?? ""}`;
  }
}
