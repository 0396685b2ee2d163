// A seeded fuzz test of every route and socket frame, through the real Worker: hostile methods, auth,
// paths, queries, content types, bodies, keys, approval tokens and frames. It fails on any 5xx, any
// /api error that is not problem+json with a code, any secret echoed, anything that must be refused
// accepted, any uncaught exception in an object, and any change to the sentinels it was not allowed to make.
//
// Default: 5000 cases from a fixed seed (about 20 s). More: FUZZ_CASES=50000 FUZZ_SEED=random.
// Replay one failure: FUZZ_SEED=<seed> FUZZ_CASE=<case>[,<case>...] (the report prints both).
import { expect, it } from "vitest";
import { AgentThread, RunIndex, WorkflowRun } from "../../worker.ts";
import { readConfig } from "./config.ts";
import { watchDurableObjects } from "./do-watch.ts";
import { setupFixtures } from "./fixtures.ts";
import { FailureLog } from "./report.ts";
import { runFuzz } from "./runner.ts";

const config = readConfig();

it(`survives ${config.replay ? `cases ${config.cases.join(",")}` : `${config.cases.length} cases`} (seed ${config.seed})`, {
  timeout: 120_000 + config.cases.length * 100,
}, async () => {
  const doExceptions = watchDurableObjects({ WorkflowRun, AgentThread, RunIndex });
  const fx = await setupFixtures();
  const log = new FailureLog(config.seed);
  const started = Date.now();
  const counters = await runFuzz({ seed: config.seed, cases: config.cases, fx, log, doExceptions });
  const statuses = [...counters.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(" ");
  console.log(
    `fuzz: seed ${config.seed}: ${counters.httpCases} HTTP cases (${counters.requests} requests, ${counters.unsendable} the runtime would not build) in ${counters.httpMs} ms, ` +
      `${counters.socketCases} socket cases in ${counters.socketMs} ms, ${Date.now() - started} ms in all; statuses ${statuses}`,
  );
  if (log.size > 0) console.log(log.render());
  expect(log.kinds(), `fuzz failures (seed ${config.seed}); the full report with requests is printed above`).toEqual([]);
});
