// Words the server-rendered pages and their browser scripts both write: durations, what a run waits
// for, its tokens, the shape beside each status. Pure, with neither DOM nor Worker types, so both sides import it.

/** 850 ms, 12.3 s, 4 min 5 s, 2 h 3 min, 3 d 4 h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export interface WaitSummary {
  kind: string;
  seq?: number;
  name?: string;
  signal?: string;
  until?: number;
  at?: number;
  timeoutAt?: number | null;
  childRunId?: string;
  label?: string;
}

/** What a run waits for, in a few words: "approval decision", "signal go", "sleep nap", "retry of charge". */
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

/** A run's token usage as the API answers it (TokenUsage), as far as the pages read it. */
export interface UsageSummary {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  byModel: { model: string; provider: string; totalTokens: number }[];
}

/** A run's tokens in a few words: "42 (30 in, 12 out): model-a 15, model-b 27", or "none" when no step reported any. */
export function describeUsage(u: UsageSummary): string {
  if (u.byModel.length === 0) return "none";
  const models = u.byModel.map((m) => `${m.model} ${m.totalTokens.toLocaleString("en-US")}`).join(", ");
  const n = (v: number) => v.toLocaleString("en-US");
  return `${n(u.totalTokens)} (${n(u.inputTokens)} in, ${n(u.outputTokens)} out): ${models}`;
}

/** A shape per status, so status never rests on colour alone. */
export const STATUS_SHAPE: Record<string, string> = {
  running: "▸",
  sleeping: "◔",
  waiting: "◇",
  paused: "‖",
  queued: "…",
  completed: "✓",
  failed: "✕",
  canceled: "⊘",
};

/** The statuses in the order the pages list them. */
export const STATUSES = ["queued", "running", "sleeping", "waiting", "paused", "completed", "failed", "canceled"] as const;

export const ENDED_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "canceled"]);

/** A run as the list shows it: a row of GET /api/runs, and of the live list's frames. */
export interface RunRowData {
  runId: string;
  workflow: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  completedAt?: number | null;
  waitingFor?: WaitSummary[];
}
