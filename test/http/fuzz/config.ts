// How much to fuzz, read from bindings vitest.config.ts passes in from the shell: FUZZ_CASES (how
// many), FUZZ_SEED (a number, or "random"), FUZZ_CASE (only these case numbers, to replay a failure).
import { env } from "cloudflare:workers";

export const DEFAULT_CASES = 5_000;
export const DEFAULT_SEED = 20_261_117;

export interface FuzzConfig {
  seed: number;
  /** The case numbers to run, in order. */
  cases: number[];
  replay: boolean;
}

export function readConfig(): FuzzConfig {
  // SAFETY: FUZZ_* are miniflare bindings added by vitest.config.ts for the workers project only; the
  // app's Env does not declare them, and each is a string ("" when unset).
  const vars = env as unknown as Record<string, string | undefined>;
  const seedText = vars.FUZZ_SEED?.trim() ?? "";
  const seed = seedText === "random" ? Math.floor(Math.random() * 2 ** 31) : seedText === "" ? DEFAULT_SEED : Number(seedText);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`FUZZ_SEED must be a non-negative integer or "random", not ${JSON.stringify(seedText)}`);
  const only = (vars.FUZZ_CASE ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (only.length > 0) {
    const cases = only.map(Number);
    if (cases.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error(`FUZZ_CASE must list case numbers, not ${JSON.stringify(vars.FUZZ_CASE)}`);
    return { seed, cases, replay: true };
  }
  const countText = vars.FUZZ_CASES?.trim() ?? "";
  const count = countText === "" ? DEFAULT_CASES : Number(countText);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`FUZZ_CASES must be a positive integer, not ${JSON.stringify(countText)}`);
  return { seed, cases: Array.from({ length: count }, (_, i) => i), replay: false };
}
