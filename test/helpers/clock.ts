// A clock a test moves by hand: it follows the system clock until the test stops it, then moves only
// when told. The test Worker gives each pool object one (see test/worker.ts); tests reach it through
// runInDurableObject.
import { systemClock, type Clock } from "../../src/kernel/index.ts";

export class ManualClock implements Clock {
  #at: number | null = null;

  now(): number {
    return this.#at ?? systemClock.now();
  }

  random(): number {
    return systemClock.random();
  }

  uuid(): string {
    return systemClock.uuid();
  }

  /** Stops the clock at `at`: from now on it reads `at` until moved. */
  stop(at: number): void {
    this.#at = at;
  }

  advance(ms: number): void {
    if (this.#at === null) throw new Error("stop the clock before moving it");
    this.#at += ms;
  }
}

const clocks = new WeakMap<object, ManualClock>();

/** The manual clock of an object (made on first ask): the object's own `[objectClock]()` and the test both ask. */
export function manualClock(owner: object): ManualClock {
  let clock = clocks.get(owner);
  if (clock === undefined) clocks.set(owner, (clock = new ManualClock()));
  return clock;
}
