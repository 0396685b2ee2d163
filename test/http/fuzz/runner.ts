// Runs the cases: each draws its kind and inputs from its own seeded stream; HTTP cases run a few at
// a time with sentinel checkpoints between windows, socket cases one at a time (so an exception inside
// an object is traced to the case that caused it).
import { approvalCases } from "./cases-approvals.ts";
import { pageCases } from "./cases-pages.ts";
import { runCases } from "./cases-runs.ts";
import { socketCases, type SocketCase } from "./cases-sockets.ts";
import { threadCases } from "./cases-threads.ts";
import type { DoException } from "./do-watch.ts";
import { newCounters, sender, type Counters, type FuzzCase } from "./driver.ts";
import { changes, snapshot, type Fixtures } from "./fixtures.ts";
import { caseSeed, Rng } from "./prng.ts";
import type { FailureLog } from "./report.ts";
import { POLLUTION_KEY } from "./values.ts";

const HTTP_CASES: readonly (readonly [number, FuzzCase])[] = [...runCases, ...threadCases, ...approvalCases, ...pageCases];
const SOCKET_SHARE = 0.12;
const CONCURRENCY = 12;
const CHECK_EVERY = 500;

type HttpPlanned = { n: number; rng: Rng; socket: false; run: FuzzCase };
type SocketPlanned = { n: number; rng: Rng; socket: true; run: SocketCase };
type Planned = HttpPlanned | SocketPlanned;

function plan(seed: number, n: number): Planned {
  const rng = new Rng(caseSeed(seed, n));
  if (rng.chance(SOCKET_SHARE)) return { n, rng, socket: true, run: rng.weighted(socketCases) };
  return { n, rng, socket: false, run: rng.weighted(HTTP_CASES) };
}

export interface RunOptions {
  seed: number;
  cases: number[];
  fx: Fixtures;
  log: FailureLog;
  doExceptions: DoException[];
}

export async function runFuzz(o: RunOptions): Promise<Counters> {
  const counters = newCounters();
  const planned = o.cases.map((n) => plan(o.seed, n));
  const touched = new Map<number, Set<string>>();
  /** Cases that had a request other than GET accepted: the likeliest to have changed a sentinel. */
  const accepted = new Set<number>();
  /** What each socket case last noted (where it was, what it sent), for exceptions traced to it. */
  const notes = new Map<number, string>();
  const touch = (n: number) => (name: string) => {
    const set = touched.get(n) ?? new Set<string>();
    set.add(name);
    touched.set(n, set);
  };
  let baseline = await stableSnapshot(o.fx);
  let window: number[] = [];

  const checkpoint = async () => {
    const now = await snapshot(o.fx);
    for (const { name, diff } of changes(baseline, now)) {
      const sentinel = name === "thread:messages" ? "thread" : name;
      const aimed = window.filter((n) => touched.get(n)?.has(sentinel));
      const suspects = [...aimed.filter((n) => accepted.has(n)), ...aimed.filter((n) => !accepted.has(n))];
      o.log.add({
        rule: "sentinel-changed",
        where: name,
        detail: `changed between case ${window[0] ?? "?"} and case ${window.at(-1) ?? "?"}: ${diff}${suspects.length > 0 ? `; cases aimed at it: ${suspects.slice(0, 12).join(", ")}` : ""}`,
        caseNo: suspects[0] ?? -1,
        tags: [],
      });
    }
    baseline = now;
    window = [];
  };

  const http = planned.filter((p): p is HttpPlanned => !p.socket);
  counters.httpCases = http.length;
  counters.socketCases = planned.length - http.length;
  let phase = Date.now();
  for (let i = 0; i < http.length; i += CHECK_EVERY) {
    const slice = http.slice(i, i + CHECK_EVERY);
    await pool(slice, CONCURRENCY, async (p) => {
      window.push(p.n);
      const send = sender(p.n, o.log, counters);
      const tracked: typeof send = async (req) => {
        const reply = await send(req);
        if (reply !== null && reply.status < 400 && !["GET", "HEAD"].includes(req.method.toUpperCase())) accepted.add(p.n);
        return reply;
      };
      await guard(o.log, p.n, () => p.run({ caseNo: p.n, rng: p.rng, fx: o.fx, send: tracked, touch: touch(p.n) }));
    });
    reportDoExceptions(o, -1, `during HTTP cases ${slice[0]?.n}-${slice.at(-1)?.n}, which run concurrently`);
    await checkpoint();
  }

  counters.httpMs = Date.now() - phase;
  phase = Date.now();
  for (const p of planned.filter((q): q is SocketPlanned => q.socket)) {
    window.push(p.n);
    const seen = o.doExceptions.length;
    await guard(o.log, p.n, () =>
      p.run({
        caseNo: p.n,
        rng: p.rng,
        fx: o.fx,
        touch: touch(p.n),
        note: (repro) => notes.set(p.n, repro),
        fail: (f) => o.log.add({ ...f, caseNo: p.n, tags: f.tags ?? [] }),
      }),
    );
    reportDoExceptions(o, p.n, "", seen, notes.get(p.n));
  }
  await checkpoint();
  counters.socketMs = Date.now() - phase;
  return counters;
}

/** The run list is an index the runs update after the fact: wait until two readings agree. */
async function stableSnapshot(fx: Fixtures): Promise<Map<string, string>> {
  let last = await snapshot(fx);
  for (let i = 0; i < 50; i++) {
    const next = await snapshot(fx);
    if (changes(last, next).length === 0) return next;
    last = next;
  }
  throw new Error("the sentinels never settled before fuzzing");
}

/** Exceptions the objects threw since `from`, as failures of case `n`. */
function reportDoExceptions(o: RunOptions, n: number, context: string, from = 0, repro?: string): void {
  for (const e of o.doExceptions.splice(from)) {
    o.log.add({
      rule: "uncaught-in-object",
      where: e.where,
      detail: `${e.error}${context === "" ? "" : ` (${context})`}`,
      caseNo: n,
      tags: [],
      ...(repro === undefined ? {} : { repro }),
    });
  }
}

/** Runs a case; a throw, or a prototype it polluted, is a failure of that case (and the next still runs). */
async function guard(log: FailureLog, n: number, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    log.add({ rule: "case-threw", where: "fuzzer", detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err), caseNo: n, tags: [] });
  }
  if (Object.hasOwn(Object.prototype, POLLUTION_KEY)) {
    log.add({ rule: "prototype-polluted", where: "Object.prototype", detail: `Object.prototype.${POLLUTION_KEY} was set`, caseNo: n, tags: [] });
    // SAFETY: deleting the planted key restores the prototype for the cases after this one.
    delete (Object.prototype as Record<string, unknown>)[POLLUTION_KEY];
  }
}

async function pool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
