// The test environment's clock: the platform's time plus what the test skipped. Installed as the time
// source of every `systemClock` in the isolate, so run objects, their timers and approval links see it.
import { setTimeSource } from "../kernel/index.ts";

export class VirtualTime {
  /** How far ahead of the platform's clock the test has moved time. */
  #skipped = 0;

  install(): void {
    setTimeSource(() => Date.now() + this.#skipped);
  }

  uninstall(): void {
    setTimeSource(null);
  }

  now(): number {
    return Date.now() + this.#skipped;
  }

  /** Moves time forward to `at` (never back: a timer already past stays past). */
  moveTo(at: number): void {
    const ahead = at - Date.now();
    if (ahead > this.#skipped) this.#skipped = ahead;
  }
}
