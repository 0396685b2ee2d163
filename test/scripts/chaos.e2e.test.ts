// The CI form of `npm run chaos` (scripts/chaos.ts): small rounds with a fixed seed, real `wrangler dev`
// and real SIGKILLs, first without injected faults, then with them; any failed check fails the test.
import { expect, it } from "vitest";
import { KIND_NAMES } from "../../scripts/chaos/plan.ts";
import { DEFAULT_FAULTS, runChaos, type ChaosOptions } from "../../scripts/chaos/run-chaos.ts";

const SEED = 20_261;

/** Prints the round's progress, failures and summary; leaves out the PASS lines. */
const print = (line: string) => {
  if (!line.startsWith("PASS")) console.log(line);
};

async function round(opts: Omit<ChaosOptions, "seed" | "print" | "finishTimeoutMs">): Promise<void> {
  const { failures } = await runChaos({ ...opts, seed: SEED, print, finishTimeoutMs: 45_000 });
  expect(failures.map((f) => `${f.what}\n${f.detail ?? ""}`)).toEqual([]);
}

it("ends every run right across SIGKILLs, with nothing lost or done twice", async () => {
  // One run of each kind (see scripts/chaos/plan.ts).
  await round({ runs: KIND_NAMES.length, kills: 2, faults: "off" });
});

it("does the same with faults injected between objects", async () => {
  await round({ runs: KIND_NAMES.length, kills: 2, faults: DEFAULT_FAULTS });
});
