// A tiny seeded random source for the chaos harness (mulberry32): the same seed gives the same plan and
// the same kill delays, so a failing round can be run again with its seed.

export interface Rng {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32: 32 bits of state, good enough to spread choices, never for secrets.
 * @example
 * const rng = seeded(7);
 * const delayMs = rng.int(300, 3_000);
 */
export function seeded(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/** A round's own seed: the CLI seed mixed with the round's fault plan, so `--seed S --faults F` replays that round alone. */
export function roundSeed(seed: number, faults: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < faults.length; i++) h = Math.imul(h ^ faults.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
