// Times and durations: server-rendered in UTC, shown here in the viewer's zone (UTC stays on hover),
// and the durations of live runs tick.
import { formatDuration } from "../../shared/format.ts";

const local = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function localTime(at: number): string {
  return local.format(new Date(at));
}

const precise = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3 });

/** The time of day to the millisecond, for steps and attempts that take less than a second. */
export function preciseTime(at: number): string {
  return precise.format(new Date(at));
}

/** A <time> to the millisecond (local time of day; full UTC date on hover). */
export function preciseTimeElement(at: number): HTMLTimeElement {
  const t = timeElement(at);
  t.textContent = preciseTime(at);
  return t;
}

export function utcTitle(at: number): string {
  return `${new Date(at).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** A <time> element for `at`, in the viewer's zone with UTC on hover. */
export function timeElement(at: number): HTMLTimeElement {
  const t = document.createElement("time");
  t.dateTime = new Date(at).toISOString();
  t.title = utcTitle(at);
  t.textContent = localTime(at);
  return t;
}

/** Rewrites server-rendered times under `root` in the viewer's zone. */
export function localizeTimes(root: ParentNode = document): void {
  for (const t of root.querySelectorAll<HTMLTimeElement>("time[data-local]")) {
    const at = Date.parse(t.dateTime);
    if (!Number.isNaN(at)) t.textContent = localTime(at);
    t.removeAttribute("data-local");
  }
}

/** Keeps `.duration.live` elements counting. */
export function tickDurations(): void {
  setInterval(() => {
    for (const d of document.querySelectorAll<HTMLElement>(".duration.live")) {
      const from = Number(d.dataset.from);
      if (from > 0) d.textContent = formatDuration(Date.now() - from);
    }
  }, 1000);
}

/** The duration from `from` to `to`, in the pages' words. */
export function formatDurationSince(from: number, to: number): string {
  return formatDuration(to - from);
}
