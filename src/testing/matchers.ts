// The kit's vitest matchers over a RunJournal (`await run.journal()`): registered with `expect.extend`
// when the kit is imported, so a test only writes `expect(journal).toHaveRunOnce("publish")`.
import { expect } from "vitest";
import { formatReplayReport, type ReplayReport } from "../engine/index.ts";
import { RunJournal } from "./run-journal.ts";

interface StepwiseMatchers<R> {
  /** One step of this name, completed at its first attempt. */
  toHaveRunOnce(name: string): R;
  /** The steps of these names overlapped in time (each started before any ended). */
  toHaveRunInParallel(names: readonly string[]): R;
  /** The run waited for this signal and received it (with this payload, when given). */
  toHaveWaitedForSignal(name: string, payload?: unknown): R;
  /** A replay report (`await t.replay(history)`) found the code agrees with the history. */
  toReplayCleanly(): R;
}

declare module "vitest" {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends StepwiseMatchers<R> {}
}

function journalOf(received: unknown, matcher: string): RunJournal {
  if (received instanceof RunJournal) return received;
  throw new TypeError(`${matcher} takes a run's journal: expect(await run.journal()).${matcher}(...)`);
}

function verdict(result: { pass: boolean; why: string }, expectation: string) {
  return {
    pass: result.pass,
    message: () => (result.pass ? `expected the run not to ${expectation}, but ${result.why}` : `expected the run to ${expectation}, but ${result.why}`),
  };
}

export const stepwiseMatchers = {
  toReplayCleanly(received: unknown) {
    if (typeof received !== "object" || received === null || !("ok" in received) || !("runId" in received)) {
      throw new TypeError("toReplayCleanly takes a replay report: expect(await t.replay(history)).toReplayCleanly()");
    }
    // SAFETY: checked just above to be a report's shape (ok and runId); formatReplayReport reads only its fields.
    const report = received as ReplayReport;
    return { pass: report.ok, message: () => (report.ok ? `expected the replay to fail, but ${formatReplayReport(report)}` : formatReplayReport(report)) };
  },
  toHaveRunOnce(received: unknown, name: string) {
    return verdict(journalOf(received, "toHaveRunOnce").ranOnce(name), `have run "${name}" once`);
  },
  toHaveRunInParallel(received: unknown, names: readonly string[]) {
    return verdict(journalOf(received, "toHaveRunInParallel").ranInParallel(names), `have run ${names.map((n) => `"${n}"`).join(", ")} in parallel`);
  },
  toHaveWaitedForSignal(received: unknown, name: string, payload?: unknown) {
    return verdict(journalOf(received, "toHaveWaitedForSignal").waitedForSignal(name, payload), `have waited for signal "${name}"`);
  },
};

expect.extend(stepwiseMatchers);
