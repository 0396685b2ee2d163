// A run's journal and events at one moment, and the questions tests ask of them: how often a step ran,
// whether steps overlapped, what the run waited for. The matchers (matchers.ts) are built on these.
import type { RunEvent, RunView, StepView } from "../engine/index.ts";

const STARTS = new Set(["step.started", "step.sleeping", "step.waiting", "step.retrying"]);
const ENDS = new Set(["step.completed", "step.failed", "step.canceled", "step.abandoned"]);

export class RunJournal {
  readonly run: RunView;
  readonly steps: readonly StepView[];
  readonly events: readonly RunEvent[];

  constructor(run: RunView, events: readonly RunEvent[]) {
    this.run = run;
    this.steps = run.steps ?? [];
    this.events = events;
  }

  /** The journaled steps called `name`, by seq. */
  named(name: string): StepView[] {
    return this.steps.filter((s) => s.name === name);
  }

  /** Whether `name` is one step that completed at its first attempt. */
  ranOnce(name: string): { pass: boolean; why: string } {
    const steps = this.named(name);
    if (steps.length !== 1)
      return {
        pass: false,
        why: `the journal has ${steps.length} steps named "${name}"${steps.length > 1 ? ` (seqs ${steps.map((s) => s.seq).join(", ")})` : ""}`,
      };
    const [s] = steps as [StepView];
    const attempts = s.kind === "action" || s.kind === "mutation" || s.kind === "run" ? s.attempts : 1;
    if (s.status !== "completed" || attempts !== 1) return { pass: false, why: `step ${s.seq} "${name}" is ${s.status} after ${attempts} attempt(s)` };
    return { pass: true, why: `step ${s.seq} "${name}" completed at its first attempt` };
  }

  /**
   * Whether the steps with these names (every step of each name) overlapped: each of them started before
   * any of them ended, by the order of the run's events.
   */
  ranInParallel(names: readonly string[]): { pass: boolean; why: string } {
    const steps = this.steps.filter((s) => names.includes(s.name));
    const missing = names.filter((n) => !steps.some((s) => s.name === n));
    if (missing.length > 0) return { pass: false, why: `the journal has no step named ${missing.map((n) => `"${n}"`).join(", ")}` };
    if (steps.length < 2) return { pass: false, why: `only one step (seq ${steps[0]?.seq}) is named so: nothing to run in parallel with` };
    const spans = steps.map((s) => ({ seq: s.seq, start: this.#index(s.seq, STARTS), end: this.#index(s.seq, ENDS) }));
    const lastStart = spans.reduce((a, b) => (b.start > a.start ? b : a));
    const firstEnd = spans.reduce((a, b) => (b.end < a.end ? b : a));
    const pass = lastStart.start < firstEnd.end;
    const seqs = spans.map((s) => s.seq).join(", ");
    return {
      pass,
      why: pass
        ? `steps ${seqs} were all under way at once`
        : `step ${firstEnd.seq} ended before step ${lastStart.seq} started: steps ${seqs} ran one after another`,
    };
  }

  /** Whether the run waited for signal `name` and received it (with `payload`, when given). */
  waitedForSignal(name: string, payload?: unknown): { pass: boolean; why: string } {
    const waits = this.steps.filter((s) => s.kind === "signal" && s.name === name);
    if (waits.length === 0) return { pass: false, why: `the run never waited for signal "${name}"` };
    const received = waits.filter((s) => s.status === "completed" && s.result !== null && s.result !== undefined);
    if (received.length === 0)
      return {
        pass: false,
        why: `the run waited for "${name}" (seq ${waits.map((s) => s.seq).join(", ")}) but received nothing (${waits.map((s) => s.status).join(", ")})`,
      };
    if (payload === undefined) return { pass: true, why: `the run received "${name}" at seq ${received[0]!.seq}` };
    const match = received.find((s) => JSON.stringify(s.result) === JSON.stringify(payload));
    return match === undefined
      ? { pass: false, why: `the run received "${name}" with ${received.map((s) => JSON.stringify(s.result)).join(", ")}, not ${JSON.stringify(payload)}` }
      : { pass: true, why: `the run received "${name}" with that payload at seq ${match.seq}` };
  }

  /** The position in the event log of the first event of `seq` among `types`; the end of the log when there is none. */
  #index(seq: number, types: ReadonlySet<string>): number {
    const i = this.events.findIndex((e) => types.has(e.type) && e.data.seq === seq);
    return i === -1 ? this.events.length : i;
  }
}
