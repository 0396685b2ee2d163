/// <reference types="node" />
// `npm run chaos`: kills `wrangler dev` at random moments under a mix of runs, then checks nothing was lost
// or done twice. Flags: --runs 80 --kills 12 --seed <n> --faults <STEPWISE_FAULTS|off> --timeout <ms>.
//
// Without --faults it runs two rounds, one without injected faults and one with DEFAULT_FAULTS; with
// --faults, one round. Each round prints one line per check and a summary; the exit code is 1 if any
// check failed. The seed (random unless given) is printed: `--seed <n> --faults <f>` replays a round's plan.
import { parseArgs } from "node:util";
import { DEFAULT_FAULTS, runChaos, type Check } from "./chaos/run-chaos.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "80" },
    kills: { type: "string", default: "12" },
    seed: { type: "string" },
    faults: { type: "string" },
    timeout: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run chaos -- [--runs 80] [--kills 12] [--seed <n>] [--faults fail=0.2,hang=0.05,hangMs=2000|off] [--timeout <ms>]");
  process.exit(0);
}

const int = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${raw}`);
    process.exit(2);
  }
  return n;
};

const seed = int("seed", values.seed) ?? Math.floor(Math.random() * 1_000_000);
const rounds = values.faults === undefined ? ["off", DEFAULT_FAULTS] : [values.faults];
const timeout = int("timeout", values.timeout);
console.log(`chaos: seed ${seed} (re-run with --seed ${seed})`);

const began = Date.now();
const failures: Check[] = [];
let crashed = false;
for (const faults of rounds) {
  try {
    const report = await runChaos({
      runs: int("runs", values.runs)!,
      kills: int("kills", values.kills)!,
      seed,
      faults,
      ...(timeout === undefined ? {} : { finishTimeoutMs: timeout }),
    });
    failures.push(...report.failures);
  } catch (err) {
    crashed = true;
    console.error(`FAIL  the round with --faults ${faults} could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
const secs = ((Date.now() - began) / 1000).toFixed(1);
console.log(`\nchaos: seed ${seed}, ${rounds.length} round(s), ${failures.length} failed check(s)${crashed ? ", a round crashed" : ""}, ${secs} s`);
for (const f of failures) console.log(`  FAIL  ${f.what}`);
process.exit(failures.length > 0 || crashed ? 1 : 0);
