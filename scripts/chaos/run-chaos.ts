// One chaos round: `wrangler dev` on a fresh persist folder, a seeded mix of runs, SIGKILLs of the whole
// process group at random moments with a restart on the same state, then the checks. Used by scripts/chaos.ts and CI.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWranglerDev, type DevServer } from "../../test/helpers/wrangler-dev.ts";
import { checkRun, indexCheck, readRun, type Check } from "./checks.ts";
import { drive, type Driven, type RoundContext } from "./drive.ts";
import { Pauses, sleep } from "./http.ts";
import type { RunView } from "./api-shapes.ts";
import { LogTap } from "./log-tap.ts";
import { planRuns } from "./plan.ts";
import { roundSeed, seeded } from "./prng.ts";

export type { Check } from "./checks.ts";

/** The faults of `npm run chaos`'s second round: enough to hit every kind of call between objects often. */
export const DEFAULT_FAULTS = "fail=0.15,hang=0.03,hangMs=1500";

export interface ChaosOptions {
  runs: number;
  kills: number;
  seed: number;
  /** STEPWISE_FAULTS for the round ("fail=0.15,hang=0.03,hangMs=1500"); "" or "off" for none. */
  faults: string;
  /** How long the runs get to finish after the last restart. Default 90 s, 150 s with faults. */
  finishTimeoutMs?: number;
  /** Where the lines go; default console.log. */
  print?: (line: string) => void;
}

export interface ChaosReport {
  checks: Check[];
  failures: Check[];
  seconds: number;
  /** The round's whole server log, kept when a check failed (removed otherwise). */
  logFile: string | null;
}

const TERMINAL = new Set(["completed", "failed", "canceled"]);

/**
 * Runs one chaos round and returns its checks; never leaves a server behind.
 * @example
 * const { failures } = await runChaos({ runs: 14, kills: 2, seed: 7, faults: "" });
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const faults = opts.faults === "off" ? "" : opts.faults;
  const seed = roundSeed(opts.seed, faults);
  const killRng = seeded(seed ^ 0x5bd1e995);
  const hurryRng = seeded(seed ^ 0x27d4eb2f);
  const spreadMs = Math.max(3_000, opts.kills * 3_500);
  const plans = planRuns(seeded(seed), { runs: opts.runs, spreadMs, tag: `s${opts.seed}${faults === "" ? "" : "f"}` });
  const finishTimeoutMs = opts.finishTimeoutMs ?? (faults === "" ? 90_000 : 150_000);
  const began = Date.now();
  const at = () => `+${((Date.now() - began) / 1000).toFixed(1)}s`;
  print(`chaos round: --seed ${opts.seed} --runs ${opts.runs} --kills ${opts.kills} --faults ${faults === "" ? "off" : faults}`);

  const dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: faults === "" ? {} : { STEPWISE_FAULTS: faults } });
  const tap = new LogTap(dev, join(tmpdir(), `stepwise-chaos-${opts.seed}-${faults === "" ? "calm" : "faults"}.log`));
  const tapping = setInterval(() => tap.poll(), 200);
  const over = new AbortController();
  const pauses = new Pauses();
  let up = true;
  // Kept when the round crashed or a check failed, for the report to point at.
  let keepLog = true;
  try {
    const ctx: RoundContext = {
      dev,
      deadline: Date.now() + spreadMs + opts.kills * 10_000 + finishTimeoutMs,
      signal: over.signal,
      pauses,
      tap,
      isUp: () => up,
      killedAt: [],
    };
    const driving = Promise.all(plans.map((plan) => drive(ctx, plan)));

    for (let k = 1; k <= opts.kills; k++) {
      await sleep(killRng.int(300, 3_000));
      ctx.killedAt.push(Date.now());
      await dev.stop("SIGKILL");
      up = false;
      const hurried = pauses.hurry(hurryRng);
      await sleep(killRng.int(0, 1_000));
      await dev.restart();
      up = true;
      print(`${at()} kill ${k}/${opts.kills}: SIGKILL, ${hurried} pending sends let go while down, restarted`);
    }
    const driven = await driving;
    const finishBy = Date.now() + finishTimeoutMs;
    const finals = await awaitFinished(dev, driven, finishBy);
    print(`${at()} ${[...finals.values()].filter((r) => TERMINAL.has(r.status)).length}/${driven.length} runs finished; checking`);

    const checks: Check[] = [];
    const report = (c: Check) => {
      checks.push(c);
      print(`${c.ok ? "PASS" : "FAIL"}  ${c.what}${c.ok || c.detail === undefined ? "" : `\n      ${c.detail.replaceAll("\n", "\n      ")}`}`);
    };
    for (const d of driven) {
      const run = d.runId === undefined ? undefined : finals.get(d.runId);
      for (const c of await checkRun(dev, tap, d, run)) report(c);
    }
    const statuses = new Map<string, string>();
    for (const d of driven) {
      const run = d.runId === undefined ? undefined : finals.get(d.runId);
      if (run !== undefined) statuses.set(d.runId!, run.status);
      if (run !== undefined && (d.plan.child !== undefined || d.plan.cancel !== undefined))
        statuses.set(`${d.runId}.0`, (await readRun(dev, `${d.runId}.0`).catch(() => ({ status: "unreadable" }))).status);
    }
    report(await indexCheck(dev, statuses, Date.now() + 30_000));
    tap.poll();
    // A faults round that injected nothing proves nothing.
    if (faults !== "") {
      const what = `faults were injected between objects (${tap.injectedFaults} logged)`;
      report(tap.injectedFaults > 0 ? { ok: true, what } : { ok: false, what, detail: "STEPWISE_FAULTS was set, but no call logged an injected fault" });
    }

    const rerun = [...finals.values()].flatMap((r) => r.steps).filter((s) => s.attempts > 1).length;
    const whileDown = driven.reduce((n, d) => n + d.sentWhileDown, 0);
    const startsWhileDown = driven.filter((d) => d.startedWhileDown).length;
    const emailsLost = driven.filter((d) => d.decided?.startsWith("through the signal API")).length;
    const failures = checks.filter((c) => !c.ok);
    const seconds = (Date.now() - began) / 1000;
    keepLog = failures.length > 0;
    print(
      `round summary: ${driven.length} runs, ${opts.kills} kills, faults ${faults === "" ? "off" : faults}; ${startsWhileDown} starts and ${whileDown} signals/decisions sent while down; ${emailsLost} approval email(s) lost with the server; ` +
        `${rerun} steps took more than one attempt; ${tap.injectedFaults} injected faults logged; ${checks.length} checks, ${failures.length} failed; ${seconds.toFixed(1)} s${keepLog ? `; server log ${tap.file}` : ""}`,
    );
    return { checks, failures, seconds, logFile: keepLog ? tap.file : null };
  } finally {
    // Drivers still waiting or retrying (a restart that failed) give up now.
    over.abort();
    pauses.endAll();
    clearInterval(tapping);
    tap.poll();
    await dev.dispose();
    if (!keepLog) rmSync(tap.file, { force: true });
  }
}

/**
 * Reads every run until it has finished or `deadline` passes; returns the last full view of each (with
 * its journal). A run still open at the deadline is returned as it was, and fails its result check.
 */
async function awaitFinished(dev: DevServer, driven: Driven[], deadline: number): Promise<Map<string, RunView>> {
  const views = new Map<string, RunView>();
  const open = new Set(driven.flatMap((d) => (d.runId === undefined ? [] : [d.runId])));
  while (open.size > 0) {
    for (const runId of [...open]) {
      try {
        const run = await readRun(dev, runId);
        views.set(runId, run);
        if (TERMINAL.has(run.status)) open.delete(runId);
      } catch {
        // Not readable right now (a fault, a hiccup): read again in the next pass.
      }
    }
    if (open.size === 0 || Date.now() >= deadline) break;
    await sleep(250);
  }
  return views;
}
