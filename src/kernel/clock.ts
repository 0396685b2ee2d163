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

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  uuid: () => crypto.randomUUID(),
};
