// Plain-text building blocks for human output: durations ("1.2 s"), times (ISO, with a relative hint),
// compact JSON and aligned columns. Pure: the caller passes the clock.

/**
 * A duration in the largest unit that keeps it readable.
 * @example
 * formatDuration(1234); // "1.2 s"
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  // The unit is chosen on the rounded value, so 59.96 s reads "1.0 min", never "60.0 s".
  for (let i = 0; i < UNITS.length; i++) {
    const [size, name] = UNITS[i]!;
    const next = UNITS[i + 1];
    const value = (ms / size).toFixed(1);
    if (next === undefined || Number(value) < next[0] / size) return `${value} ${name}`;
  }
  return "-";
}

const UNITS: readonly [number, string][] = [
  [1000, "s"],
  [60_000, "min"],
  [3_600_000, "h"],
  [86_400_000, "d"],
];

/** An epoch-ms time as UTC ISO 8601 to the second, e.g. "2026-11-17T10:03:05Z". */
export function formatTime(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** How far `at` is from `now`, in words: "3.0 s ago", "in 59.0 min", "now". */
export function formatRelative(at: number, now: number): string {
  const d = at - now;
  if (Math.abs(d) < 1000) return "now";
  return d < 0 ? `${formatDuration(-d)} ago` : `in ${formatDuration(d)}`;
}

/** JSON on one line, cut to `max` characters with an ellipsis (undefined as "-"). */
export function compactJson(value: unknown, max = 200): string {
  if (value === undefined) return "-";
  const text = JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Rows as aligned columns (two spaces apart), the header first unless it is empty; trailing spaces trimmed.
 * @example
 * table(["NAME", "VERSION"], [["await-approval", "1"]]); // ["NAME            VERSION", "await-approval  1"]
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = header.length === 0 ? rows : [header, ...rows];
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
