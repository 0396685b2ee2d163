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

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  uuid: () => crypto.randomUUID(),
};
