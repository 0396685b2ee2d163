// The step timeline: one row per step, bars on the run's time axis (attempts, retry backoffs, sleeps and
// signal waits each drawn as their own kind; parallel steps overlap in time on their own rows). Rows are
// virtualized and loaded in windows from the timeline API, so a 10,000-step run opens as fast as a short one.
import { formatDuration } from "../../shared/format.ts";
import { api, el } from "./dom.ts";
import { preciseTime, utcTitle } from "./time.ts";

export interface Attempt {
  attempt: number;
  startedAt: number;
  endedAt: number | null;
  outcome: string;
  retryAt?: number;
  error?: { code: string; message: string };
}

export interface TimelineStep {
  seq: number;
  name: string;
  kind: string;
  status: string;
  startedAt: number;
  endedAt: number | null;
  wakeAt: number | null;
  attempts: Attempt[];
  signal?: string;
  childRunId?: string;
  threadId?: string;
}

interface TimelinePage {
  startedAt: number;
  endedAt: number | null;
  now: number;
  stepCount: number;
  steps: TimelineStep[];
  nextCursor: number | null;
}

const ROW_H = 26;
const OVERSCAN = 12;
const WINDOW = 500;
const MAX_HEIGHT = 560;

export class Timeline {
  readonly #runId: string;
  readonly #scroll: HTMLDivElement;
  readonly #spacer: HTMLDivElement;
  readonly #axis: HTMLDivElement;
  readonly #steps: TimelineStep[] = [];
  readonly #bySeq = new Map<number, number>();
  #start = 0;
  /** Whether a window came: until then there is no time axis to draw (a resize must not draw one from 1970). */
  #loaded = false;
  #end: number | null = null;
  #serverSkew = 0;
  #count = 0;
  #selected = -1;
  #rendered = "";
  #loading: Promise<void> | null = null;
  /** Called when a step is selected (click, Enter). */
  onSelect: (step: TimelineStep) => void = () => {};
  /** Called as windows arrive, with every step loaded so far. */
  onSteps: (steps: readonly TimelineStep[]) => void = () => {};

  constructor(root: HTMLElement, runId: string) {
    this.#runId = runId;
    this.#axis = el("div", "tl-axis");
    this.#axis.setAttribute("aria-hidden", "true");
    this.#scroll = el("div", "tl-scroll");
    this.#spacer = el("div", "tl-spacer");
    this.#scroll.append(this.#spacer);
    root.replaceChildren(this.#axis, this.#scroll);
    this.#scroll.addEventListener("scroll", () => this.render());
    window.addEventListener("resize", () => this.render(true));
    root.addEventListener("keydown", (e) => this.#key(e));
    this.#spacer.addEventListener("click", (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>(".tl-row");
      if (row) this.select(Number(row.dataset.index));
    });
  }

  get steps(): readonly TimelineStep[] {
    return this.#steps;
  }

  /** Loads the first window and draws it; later windows follow in the background. */
  async load(): Promise<void> {
    const first = await this.#fetch(-1);
    this.render(true);
    let cursor = first.nextCursor;
    this.#loading = (async () => {
      while (cursor !== null) {
        const page = await this.#fetch(cursor);
        cursor = page.nextCursor;
        this.render(true);
      }
    })().finally(() => (this.#loading = null));
  }

  /** Reloads the window holding `seq` onwards (a live event changed it), and the run's bounds. */
  async refresh(fromSeq: number): Promise<void> {
    await this.#loading;
    let cursor: number | null = fromSeq - 1;
    while (cursor !== null) {
      const page = await this.#fetch(cursor);
      cursor = page.nextCursor;
    }
    this.render(true);
  }

  async #fetch(after: number): Promise<TimelinePage> {
    const q = new URLSearchParams({ limit: String(WINDOW) });
    if (after >= 0) q.set("after", String(after));
    const page = await api<TimelinePage>("GET", `/api/runs/${encodeURIComponent(this.#runId)}/timeline?${q}`);
    this.#start = page.startedAt;
    this.#loaded = true;
    this.#end = page.endedAt;
    this.#serverSkew = page.now - Date.now();
    this.#count = Math.max(page.stepCount, this.#count);
    for (const s of page.steps) {
      const at = this.#bySeq.get(s.seq);
      if (at === undefined) {
        this.#bySeq.set(s.seq, this.#steps.length);
        this.#steps.push(s);
      } else {
        this.#steps[at] = s;
      }
    }
    this.#count = Math.max(this.#count, this.#steps.length);
    this.onSteps(this.#steps);
    return page;
  }

  #now(): number {
    return this.#end ?? Date.now() + this.#serverSkew;
  }

  /** Draws the rows in view (and a few around them) and the time axis. */
  render(force = false): void {
    if (!this.#loaded) return;
    const height = this.#scroll.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.#scroll.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(this.#count, Math.ceil((this.#scroll.scrollTop + height) / ROW_H) + OVERSCAN);
    const key = `${first}:${last}:${this.#selected}`;
    if (!force && key === this.#rendered) return;
    this.#rendered = key;
    this.#spacer.style.height = `${this.#count * ROW_H}px`;
    // As tall as its rows, up to a screenful: a short run's timeline is not a tall empty box.
    this.#scroll.style.height = `${Math.min(this.#count * ROW_H + 2, MAX_HEIGHT)}px`;
    const span = Math.max(1, this.#now() - this.#start);
    const rows: HTMLElement[] = [];
    for (let i = first; i < last; i++) rows.push(this.#row(i, span));
    this.#spacer.replaceChildren(...rows);
    this.#drawAxis(span);
  }

  #row(index: number, span: number): HTMLElement {
    const step = this.#steps[index];
    const row = el("div", "tl-row");
    row.dataset.index = String(index);
    row.style.top = `${index * ROW_H}px`;
    if (step === undefined) {
      row.classList.add("tl-pending");
      row.append(el("span", "tl-label", "…"));
      return row;
    }
    row.dataset.seq = String(step.seq);
    row.dataset.kind = step.kind;
    row.dataset.status = step.status;
    row.dataset.attempts = String(step.attempts.length);
    if (index === this.#selected) row.classList.add("selected");
    row.setAttribute("aria-selected", index === this.#selected ? "true" : "false");
    const label = el("span", "tl-label");
    label.append(el("span", "tl-seq", String(step.seq)), ` ${step.name}`);
    label.title = `${step.seq} ${step.name} (${step.kind}, ${step.status})`;
    const track = el("span", "tl-track");
    for (const seg of segments(step, this.#now())) {
      const bar = el("span", `tl-bar ${seg.cls}`);
      bar.style.left = `${((seg.from - this.#start) / span) * 100}%`;
      bar.style.width = `${Math.max(0, ((seg.to - seg.from) / span) * 100)}%`;
      bar.title = `${seg.title}: ${formatDuration(seg.to - seg.from)}, from ${preciseTime(seg.from)} (${utcTitle(seg.from)})`;
      track.append(bar);
    }
    row.append(label, track);
    return row;
  }

  #drawAxis(span: number): void {
    const ticks: HTMLElement[] = [];
    const step = niceStep(span / 6);
    for (let t = 0; t <= span; t += step) {
      const tick = el("span", "tl-tick", t === 0 ? preciseTime(this.#start) : `+${formatDuration(t)}`);
      tick.style.left = `${(t / span) * 100}%`;
      ticks.push(tick);
    }
    this.#axis.replaceChildren(...ticks);
  }

  select(index: number): void {
    const step = this.#steps[index];
    if (step === undefined) return;
    this.#selected = index;
    const top = index * ROW_H;
    if (top < this.#scroll.scrollTop || top + ROW_H > this.#scroll.scrollTop + this.#scroll.clientHeight) this.#scroll.scrollTop = top - ROW_H * 2;
    this.render(true);
    this.onSelect(step);
  }

  #key(e: KeyboardEvent): void {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      this.select(Math.min(this.#steps.length - 1, Math.max(0, this.#selected + (e.key === "ArrowDown" ? 1 : -1))));
    } else if (e.key === "Enter" && this.#selected >= 0) {
      this.select(this.#selected);
    }
  }
}

interface Segment {
  from: number;
  to: number;
  cls: string;
  title: string;
}

/** A step's bars: each attempt, the backoff after each failed one, or the sleep or wait it is. */
export function segments(step: TimelineStep, now: number): Segment[] {
  if (step.kind === "sleep" || step.kind === "signal") {
    const end = step.endedAt ?? now;
    return [
      {
        from: step.startedAt,
        to: end,
        cls: `kind-${step.kind} status-${step.status}`,
        title: step.kind === "sleep" ? "sleep" : `wait for ${step.signal ?? "signal"}`,
      },
    ];
  }
  if (step.attempts.length === 0) return [{ from: step.startedAt, to: step.endedAt ?? now, cls: `kind-${step.kind} status-${step.status}`, title: step.kind }];
  const out: Segment[] = [];
  for (const a of step.attempts) {
    const end = a.endedAt ?? now;
    const failed = a.outcome === "failed" || a.outcome === "retrying";
    out.push({
      from: a.startedAt,
      to: end,
      cls: `kind-${step.kind} attempt outcome-${a.outcome}${failed ? " kind-failed" : ""}`,
      title: `attempt ${a.attempt} ${a.outcome}${a.error ? ` (${a.error.code})` : ""}`,
    });
    if (a.retryAt !== undefined) {
      const next = step.attempts.find((b) => b.attempt === a.attempt + 1);
      out.push({ from: end, to: next?.startedAt ?? Math.min(a.retryAt, now), cls: "kind-backoff", title: `backoff before attempt ${a.attempt + 1}` });
    }
  }
  return out;
}

/** A round step for axis ticks: 1, 2 or 5 times a power of ten milliseconds, or whole minutes, hours, days. */
function niceStep(raw: number): number {
  const units = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000];
  const hours = [3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000];
  return [...units, ...hours].find((u) => u >= raw) ?? raw;
}
