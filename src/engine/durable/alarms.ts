// A run's timers and its one alarm. The alarm always points at the earliest timer; due timers go
// through the step machine (core/step-machine.ts `onTimer`); the watchdog brings the object back
// while a step executes, while a child or the index owes an answer, and hourly while the run waits.
import { onTimer } from "../core/step-machine.ts";
import type { RunState } from "./run-state.ts";
import { WATCHDOG_SEQ } from "./run-store.ts";

/** With nothing executing and no timer, a waiting run still wakes this often to check on itself. */
const IDLE_WATCHDOG_MS = 60 * 60 * 1000;

export class Alarms {
  readonly #state: RunState;
  /** The alarm time last set; `undefined` until this instance set one. */
  #alarmAt: number | null | undefined = undefined;
  /** When the watchdog timer this instance armed is due; null when none is armed. */
  #watchdogAt: number | null = null;

  constructor(state: RunState) {
    this.#state = state;
  }

  /** Whether the run is paused: then only the watchdog fires; the other timers wait for the resume. */
  #paused(): boolean {
    const run = this.#state.run;
    return run?.status === "running" && run.pausedAt !== null;
  }

  /** Re-points the alarm at the earliest timer (after timers changed); while paused, at the watchdog's. */
  rearm(): void {
    const at = this.#state.store.earliestTimer(this.#paused());
    if (at === this.#alarmAt) return;
    this.#alarmAt = at;
    if (at === null) void this.#state.ctx.storage.deleteAlarm();
    else void this.#state.ctx.storage.setAlarm(at);
  }

  /** Makes sure the watchdog covers a step that executes. Only ever earlier: an hourly watchdog gives way. */
  ensureWatchdog(): void {
    const { run, clock, watchdogMs } = this.#state;
    if (run?.status !== "running") return;
    const due = clock.now() + watchdogMs;
    if (this.#watchdogAt !== null && this.#watchdogAt <= due) return;
    this.#armWatchdog(due);
  }

  #armWatchdog(at: number): void {
    this.#watchdogAt = at;
    this.#state.store.setTimer("watchdog", WATCHDOG_SEQ, at);
    this.rearm();
  }

  /**
   * The alarm fired: it is spent, and every due timer fires, in the order they fell due; the live handler
   * is told what settled. While paused only the watchdog does. A due retention timer is not fired here:
   * returns true so the host deletes the run.
   */
  alarmFired(): { expired: boolean } {
    this.#alarmAt = null;
    if (this.#state.run === undefined) return { expired: false };
    const earliest = this.#state.store.earliestTimer(this.#paused());
    if (earliest === null) return { expired: false };
    // An alarm fires for the earliest timer: count it as due even if the clock reads a little earlier.
    return this.#fire(Math.max(this.#state.clock.now(), earliest));
  }

  /** Fires the timers the clock says are due, without an alarm (on resume: those that fell due while paused). */
  fireDue(): { expired: boolean } {
    if (this.#state.run === undefined) return { expired: false };
    return this.#fire(this.#state.clock.now());
  }

  #fire(upTo: number): { expired: boolean } {
    const { store, clock } = this.#state;
    const paused = this.#paused();
    let expired = false;
    for (const timer of store.dueTimers(upTo, paused)) {
      if (timer.kind === "retention") {
        // Deleting is for good: only on the clock, never early (an alarm run by hand, or a clock that lags).
        if (timer.at <= clock.now()) expired = true;
        continue;
      }
      const step = timer.kind === "watchdog" || timer.kind === "step_timeout" ? undefined : store.getStep(timer.seq);
      const fired = onTimer(timer, step, clock.now());
      store.apply(fired.writes);
      const execution = this.#state.execution;
      if (fired.effect === "watchdog") this.#watchdogAt = null;
      else if (fired.effect === "abort") execution?.timeoutStep(timer.seq, null);
      else if (fired.effect === "settle") execution?.settle(store.getStep(timer.seq)!);
    }
    return { expired };
  }

  /**
   * After an alarm: keep a watchdog while anything executes or nothing else would wake the run, and
   * while a finished run still owes side effects (`owes`). `restartChildren` starts open children again.
   */
  afterWake(owes: () => boolean, restartChildren: () => void): void {
    const { run, execution, store, clock, watchdogMs } = this.#state;
    if (run === undefined) return;
    if (run.status !== "running") {
      if (owes()) store.setTimer("watchdog", WATCHDOG_SEQ, clock.now() + watchdogMs);
      return;
    }
    if (execution === null || this.#watchdogAt !== null) return;
    restartChildren();
    if (execution.executing > 0 || execution.childSteps.length > 0) this.ensureWatchdog();
    else if (!store.hasTimersOtherThanWatchdog()) this.#armWatchdog(clock.now() + IDLE_WATCHDOG_MS);
  }
}
