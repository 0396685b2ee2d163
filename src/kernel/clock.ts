// Time and chance, injected: everything that reads the clock or draws a random number takes a Clock,
// so the pure cores and their tests run on a fake one while objects run on the system's.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** A number in [0, 1). */
  random(): number;
  /** A random RFC 4122 version 4 UUID. */
  uuid(): string;
}

/**
 * The key of a Durable Object's "which clock do I read" method, which a subclass may override (a test
 * that moves time by hand). A symbol, so it is not part of the object's RPC surface.
 * @example
 * class TestPool extends components.WorkpoolQueue {
 *   protected override [objectClock](): Clock { return manualClock(this); }
 * }
 */
export const objectClock: unique symbol = Symbol("stepwise.objectClock");

/** Where `systemClock` reads the time: the platform's clock, unless a test moved it (see `setTimeSource`). */
let timeSource: (() => number) | null = null;

/**
 * A test seam: every `systemClock` in this isolate reads `source` from now on (null: the platform's clock
 * again). Only code in the same isolate can call it; production never does. The testing kit
 * (`stepwise/testing`) uses it to skip time: run objects, their timers and approval links read it.
 */
export function setTimeSource(source: (() => number) | null): void {
  timeSource = source;
}

export const systemClock: Clock = {
  now: () => (timeSource === null ? Date.now() : timeSource()),
  random: () => Math.random(),
  uuid: () => crypto.randomUUID(),
};
