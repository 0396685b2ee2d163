// What a fired timer does to the journal: a sleep completes, a backoff ends, a signal wait times out,
// an attempt's timeout aborts it. Each change is one transaction; the live handler, if any, is told.
import type { HandlerExecution } from "./execution.ts";
import { WATCHDOG_SEQ, type RunStore, type TimerRecord } from "./run-store.ts";

/** Applies one due timer. Returns true when it was the watchdog (the caller decides whether to re-arm it). */
export function fireTimer(store: RunStore, execution: HandlerExecution | null, timer: TimerRecord, now: number): boolean {
  if (timer.kind === "watchdog") {
    store.deleteTimer("watchdog", WATCHDOG_SEQ);
    return true;
  }
  if (timer.kind === "step_timeout") {
    store.deleteTimer("step_timeout", timer.seq);
    execution?.timeoutStep(timer.seq, null);
    return false;
  }
  const step = store.getStep(timer.seq);
  const record = store.transaction(() => {
    store.deleteTimer(timer.kind, timer.seq);
    if (step === undefined) return undefined;
    if (timer.kind === "sleep" && step.status === "sleeping") {
      store.updateStep(step.seq, { status: "completed", completedAt: now });
    } else if (timer.kind === "retry" && step.status === "retrying") {
      // `attempts` counts attempts started; the next one counts itself (and says step.started) when it starts.
      store.updateStep(step.seq, { status: "running" }, { event: false });
    } else if (timer.kind === "signal_timeout" && step.status === "waiting") {
      store.updateStep(step.seq, { status: "completed", result: "null", completedAt: now });
    } else {
      return undefined; // stale: the step moved on before its timer fired
    }
    return store.getStep(step.seq);
  });
  if (record !== undefined) execution?.settle(record);
  return false;
}
