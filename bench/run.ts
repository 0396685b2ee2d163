/// <reference types="node" />
// `npm run bench` (node bench/run.ts): our engine vs Cloudflare Workflows, side by side in ONE local
// `wrangler dev` (bench/wrangler.bench.toml), driven by the same harness, printed as one table.
//
//   node bench/run.ts                 both sides (default)
//   node bench/run.ts --side=cf       only Cloudflare Workflows (bench/wrangler.bench-cf.toml: no src/ import)
//   node bench/run.ts --side=ours     only our engine
//   node bench/run.ts --scenarios=1,3 only these scenarios (4, schedule firing accuracy, and 5, one run of
//                                     100,000 steps with the heap before and after, are ours only)
//   node bench/run.ts --quick         small sizes, for a smoke run of the harness
//   node bench/run.ts --json=out.json also write the raw measurements
//   node bench/run.ts --live          run wrangler dev on the live sources (see below)
//
// By default the bench Worker is first bundled once (`wrangler deploy --dry-run --outdir`) into a temp
// dir and `wrangler dev` runs that snapshot unbundled: `wrangler dev` otherwise reloads the Worker
// whenever a source file (or the repo's package.json / tsconfig.json) changes, which kills in-flight
// runs ("Your worker restarted mid-request") if someone edits the tree while the bench runs.
//
// Method: every time is measured here in Node with performance.now(), from just before the request that
// starts (or resumes) the work until the answer that says the run completed. A side learns that the way
// its API lets a client learn it soonest: ours by the start's own answer, held until the run ends (POST
// /api/workflows/bench-chain/runs?wait=<s>; a status read held the same way, GET
// /api/runs/:id?steps=none&wait=<s>, where the work is not a start, or where the start's time is wanted
// apart); theirs by polling GET /cf/status/:id (instance.status()), one poll at a time, POLL_MS apart
// (their local engine holds the create response until the run ends, so the first poll mostly finds it
// completed). Scenario 1 also times ours started, then read with a held read, and started, then polled
// the same way, printed in the notes. Scenario 3's replay is polled on purpose (it
// measures a replay under reads), and scenario 5 polls until its run is parked; for many runs at once,
// one POST /bench/statuses per round asks every pending run inside the Worker.
//
// The floor (bench/floor.ts): beside our engine, in the same `wrangler dev` and the same run, a bare
// Durable Object does the least each scenario needs: n single-row inserts (a run of n steps journals n
// rows), reading n rows back and parsing them (a replay reads its journal), one row in each of n new
// objects at the same concurrency (a start), timed the same way from Node. Our figures are printed as a
// ratio to the floor, so the targets hold on any machine. Where ours and the floor take turns (scenario
// 1's 1,000-step runs, scenario 2's rounds), each of ours is followed by the floor's, so both meet the
// machine in the same state. Figures this machine scatters widely are medians: seven 1,000-step runs of
// ours and seven of the floor's inserts, five rounds of scenario 2, three restarts of scenario 3.
import { rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { startWranglerDev, type DevServer } from "../test/helpers/wrangler-dev.ts";
import { benchDevEnv } from "./dev-env.ts";
import { Inspector } from "./inspector.ts";
import { snapshot } from "./snapshot.ts";
import { START_PARTS, type StartPart } from "./start-parts.ts";

const POLL_MS = 10;
const TOKEN = "bench-token";
const BUDGET_MS = 330_000; // keep the whole bench under ~6 minutes

type SideKey = "ours" | "cf";
type Status = "running" | "sleeping" | "waiting" | "completed" | "failed" | "canceled";

interface Args {
  sides: SideKey[];
  quick: boolean;
  json: string | undefined;
  scenarios: Set<number>;
  live: boolean;
}

function parseArgs(argv: string[]): Args {
  let side = "both";
  let quick = false;
  let json: string | undefined;
  let scenarios = new Set([1, 2, 3, 4, 5]);
  let live = false;
  for (const a of argv) {
    if (a.startsWith("--side=")) side = a.slice(7);
    else if (a.startsWith("--scenarios=")) scenarios = new Set(a.slice(12).split(",").map(Number));
    else if (a === "--quick") quick = true;
    else if (a === "--live") live = true;
    else if (a.startsWith("--json=")) json = a.slice(7);
    else if (a === "--help" || a === "-h") {
      console.log("usage: node bench/run.ts [--side=both|ours|cf] [--scenarios=1,2,3,4,5] [--quick] [--live] [--json=FILE]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (side !== "both" && side !== "ours" && side !== "cf") throw new Error(`--side must be both, ours or cf`);
  return { sides: side === "both" ? ["ours", "cf"] : [side], quick, json, scenarios, live };
}

const args = parseArgs(process.argv.slice(2));
const SIZES = args.quick
  ? { small: 100, large: 1_000, reps: 1, pairs: 1, startRounds: 1, many: 20, manySteps: 10, replay: 1_000, replayRounds: 1, long: 10_000 }
  : { small: 1_000, large: 10_000, reps: 3, pairs: 7, startRounds: 5, many: 200, manySteps: 10, replay: 10_000, replayRounds: 3, long: 100_000 };

/** Scenario 4: how many instants of the every-second schedule are measured. */
const SCHEDULE_INSTANTS = args.quick ? 5 : 20;

const t0Bench = performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();

class Timeout extends Error {
  override name = "Timeout";
}

function budgetLeft(): number {
  return BUDGET_MS - (now() - t0Bench);
}

/** Deadline for one measurement: its own limit, capped by what is left of the whole bench's budget. */
function deadlineIn(ms: number): number {
  return now() + Math.max(0, Math.min(ms, budgetLeft()));
}

// ---------------------------------------------------------------------------------------------------
// The server (replaced by a fresh one if a measurement times out: the worker may still be busy).

const sourceConfig = args.sides.includes("ours") ? "bench/wrangler.bench.toml" : "bench/wrangler.bench-cf.toml";
let config = sourceConfig;
let snapshotDir: string | undefined;
let dev: DevServer | undefined;

async function startServer(): Promise<DevServer> {
  dev = await startWranglerDev({ config, vars: { API_TOKEN: TOKEN }, env: benchDevEnv(), ...(snapshotDir !== undefined ? { cwd: snapshotDir } : {}) });
  return dev;
}

async function freshServer(): Promise<void> {
  const old = dev;
  dev = undefined;
  await old?.dispose();
  await startServer();
}

function server(): DevServer {
  if (!dev) throw new Error("no wrangler dev running");
  return dev;
}

let aborting = false;
let cleanupPromise: Promise<void> | undefined;
/** Stops and removes the wrangler dev server (idempotent: every caller waits for the same cleanup). */
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    const d = dev;
    dev = undefined;
    await d?.dispose();
    if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true });
  })();
  return cleanupPromise;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    aborting = true;
    console.error(`\nbench: ${sig}, stopping wrangler dev`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function http(method: string, path: string, body: unknown, deadline: number): Promise<any> {
  const remaining = deadline - now();
  if (remaining <= 0) throw new Timeout(`deadline passed before ${method} ${path}`);
  const init: RequestInit = {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    signal: AbortSignal.timeout(Math.ceil(remaining)),
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(server().url + path, init);
  } catch (err) {
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError"))
      throw new Timeout(`${method} ${path}: no answer before the deadline`);
    throw err;
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text === "" ? undefined : JSON.parse(text);
}

// ---------------------------------------------------------------------------------------------------
// The two sides behind one interface.

interface Side {
  key: SideKey;
  label: string;
  start(steps: number, waitAtEnd: boolean, deadline: number): Promise<string>;
  /** In-Worker duration of the last start call, when the side reports one (CF: instance.create()). */
  lastCreateMs?: number | undefined;
  status(id: string, deadline: number): Promise<{ status: Status | string; body: any }>;
  /** Waits (untimed setup) until the run has completed all its steps and blocks on the signal/event. */
  untilWaiting(id: string, steps: number, deadline: number): Promise<void>;
  /** The soonest the side's API tells a client that the run completed: when, and the run's status body. */
  untilCompleted(id: string, deadline: number): Promise<{ at: number; body: any }>;
  /** Where the API can: starts a run and learns that it completed from the start's own answer (see untilCompleted). */
  startHeld?(steps: number, deadline: number): Promise<{ at: number; body: any }>;
  signal(id: string, deadline: number): Promise<void>;
}

const ours: Side = {
  key: "ours",
  label: "ours",
  async start(steps, waitAtEnd, deadline) {
    const b = await http("POST", "/api/workflows/bench-chain/runs", { args: { steps, waitAtEnd } }, deadline);
    return b.runId as string;
  },
  async status(id, deadline) {
    const b = await http("GET", `/api/runs/${encodeURIComponent(id)}?steps=none`, undefined, deadline);
    return { status: b.status, body: b };
  },
  async untilWaiting(id, steps, deadline) {
    for (;;) {
      const { status, body } = await this.status(id, deadline);
      if (status === "waiting" && body.stepCount >= steps) return;
      if (status !== "running" && status !== "sleeping" && status !== "waiting")
        throw new Error(`run ${id} is ${status} before its signal: ${JSON.stringify(body).slice(0, 300)}`);
      await sleep(50);
    }
  },
  async signal(id, deadline) {
    await http("POST", `/api/runs/${encodeURIComponent(id)}/signals/go`, { payload: true }, deadline);
  },
  async untilCompleted(id, deadline) {
    for (;;) {
      // The API holds a read up to 60 s; a wait that ends before the run is asked again, within the deadline.
      const body = await http("GET", `/api/runs/${encodeURIComponent(id)}?steps=none&wait=${heldSeconds(deadline)}`, undefined, deadline);
      if (oursCompleted(id, body, deadline)) return { at: now(), body };
    }
  },
  async startHeld(steps, deadline) {
    const body = await http("POST", `/api/workflows/bench-chain/runs?wait=${heldSeconds(deadline)}`, { args: { steps, waitAtEnd: false } }, deadline);
    return oursCompleted(body.runId, body, deadline) ? { at: now(), body } : this.untilCompleted(body.runId, deadline);
  },
};

/** How long ours may hold an answer for its run to end: up to the API's 60 s, within the deadline. */
function heldSeconds(deadline: number): number {
  return Math.min(60, Math.max(0, Math.floor((deadline - now() - 1_000) / 1000)));
}

/** Whether a held answer of ours says the run completed; throws if it ended otherwise, or the deadline passed. */
function oursCompleted(id: string, body: any, deadline: number): boolean {
  if (body.status === "completed") return true;
  if (body.status !== "running" && body.status !== "sleeping" && body.status !== "waiting") {
    throw new Error(`ours run ${id} ended ${body.status}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  if (now() >= deadline) throw new Timeout(`ours run ${id} still ${body.status} at the deadline`);
  return false;
}

const cf: Side = {
  key: "cf",
  label: "Cloudflare Workflows",
  async start(steps, waitAtEnd, deadline) {
    const b = await http("POST", "/cf/start", { params: { steps, waitAtEnd } }, deadline);
    this.lastCreateMs = typeof b.createMs === "number" ? b.createMs : undefined;
    return b.id as string;
  },
  async status(id, deadline) {
    const b = await http("GET", `/cf/status/${encodeURIComponent(id)}`, undefined, deadline);
    return { status: b.status, body: b };
  },
  async untilWaiting(id, steps, deadline) {
    // Local Workflows keep reporting "running" while in waitForEvent: wait for the last step's result.
    await http("POST", `/cf/wait-step/${encodeURIComponent(id)}`, { name: `s${steps - 1}`, timeoutMs: Math.max(1, Math.floor(deadline - now())) }, deadline);
  },
  async signal(id, deadline) {
    await http("POST", `/cf/event/${encodeURIComponent(id)}`, { type: "go", payload: true }, deadline);
  },
  untilCompleted(id, deadline) {
    return pollUntilCompleted(this, id, deadline);
  },
};

const SIDES: Record<SideKey, Side> = { ours, cf };

/** Who a measurement is for: a side, or the floor (measured when ours is: the CF-only Worker has none). */
interface Measured {
  key: CellKey;
  label: string;
}
const FLOOR: Measured = { key: "floor", label: "floor (bare Durable Object)" };
const floorOn = args.sides.includes("ours");

/** One floor request; its answer and the ms from the request to the answer. */
async function floorCall(what: string, body: unknown, deadline: number): Promise<{ ms: number; body: any }> {
  const t0 = now();
  const answer = await http("POST", `/bench/floor/${what}`, body, deadline);
  return { ms: now() - t0, body: answer };
}

async function pollUntilCompleted(side: Side, id: string, deadline: number): Promise<{ at: number; body: any }> {
  for (;;) {
    const { status, body } = await side.status(id, deadline);
    if (status === "completed") return { at: now(), body };
    if (status !== "running" && status !== "sleeping" && status !== "waiting") {
      throw new Error(`${side.label} run ${id} ended ${status}: ${JSON.stringify(body).slice(0, 500)}`);
    }
    if (now() >= deadline) throw new Timeout(`${side.label} run ${id} still ${status} at the deadline`);
    await sleep(POLL_MS);
  }
}

/**
 * One run of `steps` steps: ms from the start request to the answer that says it completed (see the
 * method, above): the start's own answer where the side can hold it (unless `onStarted` wants the
 * start's time); else, or with `read`, a status read after the start; with `polled`, the first poll that
 * sees it completed.
 */
async function timeRun(
  side: Side,
  steps: number,
  limitMs: number,
  opts: { onStarted?: (startMs: number) => void; method?: "read" | "polled" } = {},
): Promise<number> {
  const deadline = deadlineIn(limitMs);
  const t0 = now();
  let done: { at: number; body: any };
  let id: string;
  if (side.startHeld !== undefined && opts.onStarted === undefined && opts.method === undefined) {
    done = await side.startHeld(steps, deadline);
    id = done.body.runId;
  } else {
    id = await side.start(steps, false, deadline);
    opts.onStarted?.(now() - t0);
    done = opts.method === "polled" ? await pollUntilCompleted(side, id, deadline) : await side.untilCompleted(id, deadline);
  }
  const { at, body } = done;
  const result = side.key === "ours" ? body.result : body.output;
  if (result !== steps) throw new Error(`${side.label} run ${id} returned ${JSON.stringify(result)}, expected ${steps}`);
  return at - t0;
}

// ---------------------------------------------------------------------------------------------------
// Results.

type Cell = { value: number } | { error: string } | undefined;
/** A side's cell, or the floor's: the bare object's figure for the same work. */
type CellKey = SideKey | "floor";
interface Row {
  scenario: string;
  metric: string;
  unit: string;
  better: "lower" | "higher";
  cells: Partial<Record<CellKey, Cell>>;
}
const rows: Row[] = [];
const notes: string[] = [];

function row(scenario: string, metric: string, unit: string, better: "lower" | "higher"): Row {
  const r: Row = { scenario, metric, unit, better, cells: {} };
  rows.push(r);
  return r;
}

function val(c: Cell): number | undefined {
  return c !== undefined && "value" in c ? c.value : undefined;
}

function errText(err: unknown): string {
  if (err instanceof Timeout) return "timeout";
  return "error";
}

/** A dropped connection (not an HTTP error, not our deadline): worth one more try. */
function isConnectionError(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /terminated|fetch failed|socket|ECONNRESET|ECONNREFUSED/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`)
  );
}

/**
 * Runs a measurement; on failure records it, and on a timeout swaps in a fresh server. A dropped
 * connection is retried once (with a new run) when `retry` is true, and the retry is noted.
 */
async function measure(side: Measured, what: string, fn: () => Promise<void>, cellsOnError: Row[], retry = true): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (aborting) throw err;
      const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      console.error(`  ${side.label} ${what}: ${msg.split("\n")[0]}`);
      console.error(`  --- wrangler dev logs (tail) ---\n${dev?.logs().slice(-3000) ?? "(no server)"}\n  ---`);
      if (retry && attempt === 1 && isConnectionError(err) && budgetLeft() > 30_000) {
        notes.push(`${side.label}, ${what}: first attempt lost its connection (${msg.split("\n")[0]!.slice(0, 120)}); measured again`);
        await sleep(500);
        continue;
      }
      notes.push(`${side.label}, ${what}: ${msg.split("\n")[0]!.slice(0, 300)}`);
      for (const r of cellsOnError) if (r.cells[side.key] === undefined) r.cells[side.key] = { error: errText(err) };
      if (err instanceof Timeout && budgetLeft() > 20_000) {
        console.error("  (replacing wrangler dev: the timed-out run may still hold the worker)");
        await freshServer();
      }
      return;
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A scenario's figures by name, one value per round: each cell is the median of its figure's rounds. */
class Rounds {
  readonly #values = new Map<string, number[]>();

  add(what: string, value: number): void {
    this.#values.set(what, [...(this.#values.get(what) ?? []), value]);
  }

  /** The median of a figure's rounds; undefined when no round measured it. */
  median(what: string): number | undefined {
    const xs = this.#values.get(what);
    return xs === undefined ? undefined : median(xs);
  }

  /** The median of a figure's rounds into a cell, unless a round's error already marked it. */
  cell(r: Row, key: CellKey, what: string): void {
    const m = this.median(what);
    if (m !== undefined && r.cells[key] === undefined) r.cells[key] = { value: m };
  }

  /** A figure's rounds, for the notes. */
  each(what: string): string {
    return (this.#values.get(what) ?? []).map((x) => x.toFixed(0)).join(", ");
  }
}

function progress(msg: string): void {
  if (aborting) return;
  console.error(`[${((now() - t0Bench) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
}

// ---------------------------------------------------------------------------------------------------
// Scenarios.

/**
 * One untimed run of scenario 1's size per side, so that its first timed run does not pay for compiling
 * the code it runs (seen: 235, 167 and 128 ms for ours after a 20-step warm-up), then a settle: the local
 * Workflows engine goes on working on the one thread after its instance reports complete.
 */
async function warmUp(): Promise<void> {
  for (const key of args.sides) {
    const side = SIDES[key];
    progress(`warm-up ${side.label}: ${SIZES.small} steps`);
    await measure(side, "warm-up", async () => void (await timeRun(side, SIZES.small, 90_000)), []);
  }
  await sleep(2_000);
}

async function scenarioChain(): Promise<{ perStepSmall: Row; perStepLarge: Row; wallSmall: Row; workSmall: Row }> {
  const wallSmall = row(
    `1. one run, ${SIZES.small.toLocaleString("en")} sequential steps`,
    `wall time${SIZES.pairs > 1 ? ` (median of ${SIZES.pairs}${args.sides.includes("cf") ? `, Cloudflare's of ${SIZES.reps}` : ""})` : ""}`,
    "ms",
    "lower",
  );
  const perStepSmall = row("", "time per step", "ms", "lower");
  // Where the gap to the floor comes from: a bare object doing such a run's storage work, the run store's
  // own statements in the same turns, without the engine (bench/floor.ts, StartWorkObject.runWork).
  const workSmall = row("", `against a bare object doing a ${SIZES.small.toLocaleString("en")}-step run's storage work`, "ms", "lower");
  const bareWork: number[] = [];
  const wallLarge = row(`1. one run, ${SIZES.large.toLocaleString("en")} sequential steps`, "wall time", "ms", "lower");
  const perStepLarge = row("", "time per step", "ms", "lower");
  // Ours and the floor alternate run by run, so that both meet the machine in the same state (the
  // same code ranged 1.6-3.0x of the floor across full runs when all of ours ran before all of the floor's).
  const smallTimes = new Map<CellKey, number[]>();
  const add = (key: CellKey, ms: number): void => void smallTimes.set(key, [...(smallTimes.get(key) ?? []), ms]);
  // The same runs timed the ways the bench timed them before ours had a held start: a held status read
  // after the start, and before that, polled every POLL_MS.
  const otherwise = { read: [] as number[], polled: [] as number[] };
  for (let i = 0; floorOn && i < SIZES.pairs; i++) {
    progress(`ours: ${SIZES.small} steps, run ${i + 1}/${SIZES.pairs}, then the floor's ${SIZES.small} inserts`);
    await measure(ours, `${SIZES.small} steps, run ${i + 1}`, async () => add("ours", await timeRun(ours, SIZES.small, 90_000)), [wallSmall, perStepSmall]);
    // What a run does after its end (its index entry) is not the floor's to wait for.
    await sleep(500);
    const inserts = async () => add("floor", (await floorCall("insert", { n: SIZES.small }, deadlineIn(60_000))).ms);
    await measure(FLOOR, `${SIZES.small} inserts, ${i + 1}`, inserts, [wallSmall, perStepSmall]);
    await sleep(500);
    const work = async () =>
      void bareWork.push((await floorCall("run-work", { name: `chain-${Date.now().toString(36)}-${i}`, steps: SIZES.small }, deadlineIn(60_000))).ms);
    await measure(FLOOR, `a ${SIZES.small}-step run's storage work, ${i + 1}`, work, [workSmall]);
    await sleep(500);
    for (const method of ["read", "polled"] as const) {
      await measure(
        ours,
        `${SIZES.small} steps (${method}), run ${i + 1}`,
        async () => void otherwise[method].push(await timeRun(ours, SIZES.small, 90_000, { method })),
        [],
      );
      await sleep(500);
    }
  }
  const how = { read: "started, then a held status read", polled: `started, then polled every ${POLL_MS} ms` };
  for (const method of ["read", "polled"] as const) {
    const times = otherwise[method];
    if (times.length === 0) continue;
    notes.push(
      `ours, ${SIZES.small} steps, ${how[method]} instead of a held start (each run, ms): ${times.map((t) => t.toFixed(0)).join(", ")}; median ${median(times).toFixed(1)}`,
    );
  }
  if (args.sides.includes("cf")) {
    await measure(
      cf,
      `${SIZES.small} steps`,
      async () => {
        for (let i = 0; i < SIZES.reps; i++) {
          progress(`${cf.label}: ${SIZES.small} steps, run ${i + 1}/${SIZES.reps}`);
          add("cf", await timeRun(cf, SIZES.small, 90_000));
        }
      },
      [wallSmall, perStepSmall],
    );
  }
  for (const [key, times] of smallTimes) {
    if (wallSmall.cells[key] !== undefined) continue;
    wallSmall.cells[key] = { value: median(times) };
    perStepSmall.cells[key] = { value: median(times) / SIZES.small };
    const what = key === "floor" ? `${FLOOR.label}, ${SIZES.small} inserts` : `${SIDES[key].label}, ${SIZES.small} steps`;
    if (times.length > 1) notes.push(`${what}, each run (ms): ${times.map((t) => t.toFixed(0)).join(", ")}`);
  }
  if (bareWork.length > 0) {
    workSmall.cells.floor = { value: median(bareWork) };
    if (wallSmall.cells.ours !== undefined) workSmall.cells.ours = wallSmall.cells.ours;
    notes.push(`a bare object doing a ${SIZES.small}-step run's storage work, each run (ms): ${bareWork.map((t) => t.toFixed(0)).join(", ")}`);
  }
  for (const key of args.sides) {
    const side = SIDES[key];
    progress(`${side.label}: ${SIZES.large} steps`);
    await measure(
      side,
      `${SIZES.large} steps`,
      async () => {
        let startMs = 0;
        const ms = await timeRun(side, SIZES.large, 150_000, { onStarted: (t) => (startMs = t) });
        const inWorker = side.lastCreateMs !== undefined ? `; instance.create() itself took ${side.lastCreateMs} ms inside the Worker` : "";
        notes.push(`${side.label}, ${SIZES.large} steps: the start request was answered after ${startMs.toFixed(0)} ms of the ${ms.toFixed(0)} ms${inWorker}`);
        wallLarge.cells[key] = { value: ms };
        perStepLarge.cells[key] = { value: ms / SIZES.large };
      },
      [wallLarge, perStepLarge],
    );
  }
  if (floorOn) {
    progress(`floor: ${SIZES.large} inserts`);
    await measure(
      FLOOR,
      `${SIZES.large} inserts`,
      async () => {
        const { ms } = await floorCall("insert", { n: SIZES.large }, deadlineIn(60_000));
        wallLarge.cells.floor = { value: ms };
        perStepLarge.cells.floor = { value: ms / SIZES.large };
      },
      [wallLarge, perStepLarge],
    );
  }
  return { perStepSmall, perStepLarge, wallSmall, workSmall };
}

/** Makes `n` calls at once; the results, and the ms until the last one answered (from just before the first). */
async function atOnce<T>(n: number, call: (i: number) => Promise<T>): Promise<{ results: T[]; ms: number }> {
  const t0 = now();
  let last = t0;
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const result = await call(i);
      last = Math.max(last, now());
      return result;
    }),
  );
  return { results, ms: last - t0 };
}

async function scenarioMany(): Promise<{ rate: Row; parkedRate: Row; storageWork: Row; tenWork: Row; withoutPart: Partial<Record<StartPart, number>> }> {
  const n = SIZES.many;
  const rate = row(`2. ${n} runs of ${SIZES.manySteps} steps started at once`, "starts per second", "/s", "higher");
  const startsDone = row("", `time until all ${n} start requests answered`, "ms", "lower");
  const allDone = row("", `time until all ${n} runs completed`, "ms", "lower");
  // Where the gap of runs of 10 steps comes from: bare objects doing such a run's storage work, the same
  // statements in the same turns, without the engine (bench/floor.ts, StartWorkObject.runWork).
  const tenWork = row("", `starts per second against bare objects doing a ${SIZES.manySteps}-step run's storage work`, "/s", "higher");
  // The start alone: runs that wait for a signal before any step, so no run executes while the others
  // start. The floor's row (one row in a new object) is the like-for-like one for this.
  const parkedRate = row(`2b. ${n} runs that wait at once, started at once`, "starts per second", "/s", "higher");
  const parkedDone = row("", `time until all ${n} start requests answered`, "ms", "lower");
  // Where a start's cost goes: bare objects doing a start's storage work without the engine (bench/floor.ts,
  // StartWorkObject). Its floor column is that rate, so ours/floor on this row is what the engine's code adds.
  // Then the same work without one of its parts at a time (the alarm, the index's entry, the schema).
  const storageWork = row("", "starts per second against bare objects doing a start's storage work", "/s", "higher");
  const withoutPart: Partial<Record<StartPart, number>> = {};

  /** n runs of manySteps steps started at once, until all completed: the starts/s and both times. */
  async function tenStepRuns(side: Side): Promise<{ rate: number; startsMs: number; allMs: number }> {
    const deadline = deadlineIn(120_000);
    const t0 = now();
    const { results: ids, ms } = await atOnce(n, () => side.start(SIZES.manySteps, false, deadline));
    let pending = ids;
    for (;;) {
      const { statuses } = (await http("POST", "/bench/statuses", { side: side.key, ids: pending }, deadline)) as { statuses: Record<string, string> };
      const bad = Object.entries(statuses).filter(([, s]) => s !== "completed" && s !== "running" && s !== "sleeping" && s !== "waiting");
      if (bad.length > 0) throw new Error(`${bad.length} runs not running/completed, e.g. ${bad[0]![0]}: ${bad[0]![1]}`);
      pending = pending.filter((id) => statuses[id] !== "completed");
      if (pending.length === 0) break;
      if (now() >= deadline) throw new Timeout(`${pending.length} of ${n} runs not completed at the deadline`);
      await sleep(POLL_MS);
    }
    return { rate: (n / ms) * 1000, startsMs: ms, allMs: now() - t0 };
  }

  // Ours and the floor in rounds, alternated, so that each figure is read against the others in the same
  // state of the machine (the same code measured 8-17 ms of CPU per start from round to round here): in
  // each round ours (runs of 10 steps, then runs that wait), the floor's new objects, then a start's
  // storage work on bare objects, whole and without each part. Each cell is the median of its rounds.
  const rounds = floorOn ? SIZES.startRounds : 0;
  const samples = new Rounds();
  const settle = () => sleep(args.quick ? 200 : 1_000);
  for (let round = 1; round <= rounds; round++) {
    progress(`ours: ${n} runs of ${SIZES.manySteps} steps at once, round ${round}/${rounds}`);
    await measure(
      ours,
      `${n} runs at once, round ${round}`,
      async () => {
        const r = await tenStepRuns(ours);
        samples.add("rate", r.rate);
        samples.add("startsMs", r.startsMs);
        samples.add("allMs", r.allMs);
      },
      [rate, startsDone, allDone],
    );
    await settle();
    progress(`ours: ${n} runs that wait, started at once, round ${round}/${rounds}`);
    await measure(
      ours,
      `${n} runs that wait, at once, round ${round}`,
      async () => {
        const deadline = deadlineIn(60_000);
        const { results: ids, ms } = await atOnce(n, () => ours.start(0, true, deadline));
        samples.add("parkedRate", (n / ms) * 1000);
        samples.add("parkedMs", ms);
        // Untimed: they would wait for their signal for good.
        await Promise.all(ids.map((id) => http("POST", `/api/runs/${encodeURIComponent(id)}/cancel`, undefined, deadline)));
      },
      [parkedRate, parkedDone],
    );
    await settle();
    progress(`floor: ${n} new objects at once, round ${round}/${rounds}`);
    await measure(
      FLOOR,
      `${n} new objects at once, round ${round}`,
      async () => {
        const deadline = deadlineIn(60_000);
        const batch = Date.now().toString(36);
        const { ms } = await atOnce(n, (i) => http("POST", "/bench/floor/create", { name: `create-${batch}-${i}` }, deadline));
        samples.add("floorRate", (n / ms) * 1000);
        samples.add("floorMs", ms);
      },
      [rate, startsDone, parkedRate, parkedDone],
    );
    progress(`floor: ${n} new objects doing a start's storage work at once, whole and without each part, round ${round}/${rounds}`);
    await measure(
      FLOOR,
      `${n} starts' storage work at once, round ${round}`,
      async () => {
        for (const without of ["whole", ...START_PARTS] as const) {
          const deadline = deadlineIn(60_000);
          const batch = `${Date.now().toString(36)}-${without}`;
          const body = (i: number) => ({ name: `work-${batch}-${i}`, ...(without === "whole" ? {} : { without }) });
          const { ms } = await atOnce(n, (i) => http("POST", "/bench/floor/start-work", body(i), deadline));
          samples.add(`work-${without}`, (n / ms) * 1000);
        }
      },
      [storageWork],
    );
    progress(`floor: ${n} new objects doing a ${SIZES.manySteps}-step run's storage work at once, round ${round}/${rounds}`);
    await measure(
      FLOOR,
      `${n} ${SIZES.manySteps}-step runs' storage work at once, round ${round}`,
      async () => {
        const deadline = deadlineIn(60_000);
        const batch = Date.now().toString(36);
        const { ms } = await atOnce(n, (i) => http("POST", "/bench/floor/run-work", { name: `ten-${batch}-${i}`, steps: SIZES.manySteps }, deadline));
        samples.add("work-ten", (n / ms) * 1000);
      },
      [tenWork],
    );
    await settle();
  }
  // Local Workflows: one measurement, after ours (its engine goes on working on the one thread after its runs complete).
  if (args.sides.includes("cf")) {
    progress(`${cf.label}: ${n} runs at once`);
    await measure(
      cf,
      `${n} runs at once`,
      async () => {
        const r = await tenStepRuns(cf);
        rate.cells.cf = { value: r.rate };
        startsDone.cells.cf = { value: r.startsMs };
        allDone.cells.cf = { value: r.allMs };
      },
      [rate, startsDone, allDone],
    );
  }

  samples.cell(rate, "ours", "rate");
  samples.cell(startsDone, "ours", "startsMs");
  samples.cell(allDone, "ours", "allMs");
  samples.cell(parkedRate, "ours", "parkedRate");
  samples.cell(parkedDone, "ours", "parkedMs");
  for (const r of [rate, parkedRate]) samples.cell(r, "floor", "floorRate");
  for (const r of [startsDone, parkedDone]) samples.cell(r, "floor", "floorMs");
  samples.cell(storageWork, "floor", "work-whole");
  samples.cell(tenWork, "floor", "work-ten");
  if (rate.cells.ours !== undefined && tenWork.cells.floor !== undefined) tenWork.cells.ours = rate.cells.ours;
  const parked = parkedRate.cells.ours;
  if (parked !== undefined && samples.median("work-whole") !== undefined) storageWork.cells.ours = parked;
  for (const part of START_PARTS) {
    const m = samples.median(`work-${part}`);
    if (m !== undefined) withoutPart[part] = m;
  }
  if (rounds > 0) {
    notes.push(
      `scenario 2, each round (starts/s): ours, runs of ${SIZES.manySteps} steps ${samples.each("rate")}; ours, runs that wait ${samples.each("parkedRate")}; ` +
        `the floor's new objects ${samples.each("floorRate")}; bare objects doing a start's storage work ${samples.each("work-whole")}; ` +
        `bare objects doing a ${SIZES.manySteps}-step run's storage work ${samples.each("work-ten")}`,
    );
    notes.push(
      "2b's last row: each bare object creates the run object's schema (its migrations, through the same runner), writes the rows a start " +
        "of a run that waits writes (run row and event, the wait's step row and event, the watchdog timer), sets an alarm and writes one " +
        "entry to a second object, as the run index takes it. No engine code. Its rate against the floor's new objects is what the architecture " +
        `costs a start; ours against it, what the engine's code adds. Every figure of scenario 2 but Cloudflare's is the median of ${rounds} ` +
        "round(s), alternated within each round (ours, the floor's new objects, the storage work whole and without its alarm, without the " +
        "index's entry, with four plain tables instead of the run object's schema, and with none of the three: the start's rows alone).",
    );
  }
  return { rate, parkedRate, storageWork, tenWork, withoutPart };
}

async function scenarioReplay(): Promise<{ oursReplayMs: Row; quietReplayMs: Row; wall: Row }> {
  const steps = SIZES.replay;
  const wall = row(
    `3. run with ${steps.toLocaleString("en")} completed steps, after SIGKILL + restart`,
    `signal -> completed (replay + finish)${SIZES.replayRounds > 1 ? `, median of ${SIZES.replayRounds} restarts` : ""}`,
    "ms",
    "lower",
  );
  const oursReplayMs = row("", "replay time reported by the run (stats.replayMs), polled meanwhile", "ms", "lower");
  const replayed = row("", "steps replayed (stats.replayedSteps)", "", "lower");
  // The polls above reach the run while it replays (every POLL_MS: the Worker's routing and auth, and
  // the object's reads), and its stats.replayMs, a wall time inside the object, includes them. A second
  // run is left alone for a while after its signal: its replayMs is the replay by itself, as the floor's
  // read is the read by itself.
  const quietReplayMs = row("", "replay time reported by a second run, no request meanwhile", "ms", "lower");
  // Each round sets up its runs and the floor's rows, kills wrangler dev and restarts it, then measures
  // each once: the first replay in a fresh isolate varied 78-149 ms from run to run here, so one restart
  // says little. Cloudflare's run takes part in the first round only. Each cell is the median of its rounds.
  const samples = new Rounds();
  for (let round = 1; round <= SIZES.replayRounds; round++) {
    const sides = args.sides.filter((k) => k === "ours" || round === 1);
    const of = SIZES.replayRounds > 1 ? `, round ${round}/${SIZES.replayRounds}` : "";
    let quietId: string | undefined;
    const ids: Partial<Record<SideKey, string>> = {};
    // Setup (untimed): one run per side that completes its steps and then waits for a signal/event.
    for (const key of sides) {
      const side = SIDES[key];
      progress(`${side.label}: ${steps} steps then wait (setup${of})`);
      await measure(
        side,
        `replay setup (${steps} steps then wait)${of}`,
        async () => {
          const deadline = deadlineIn(150_000);
          const id = await side.start(steps, true, deadline);
          await side.untilWaiting(id, steps, deadline);
          ids[key] = id;
          if (key === "ours") {
            quietId = await side.start(steps, true, deadline);
            await side.untilWaiting(quietId, steps, deadline);
          }
        },
        key === "ours" ? [wall, oursReplayMs, replayed, quietReplayMs] : [wall],
      );
    }
    const floorName = `replay-${Date.now().toString(36)}-${round}`;
    let filled = false;
    if (floorOn) {
      progress(`floor: ${steps} rows (setup${of})`);
      await measure(
        FLOOR,
        `${steps} rows (setup)${of}`,
        async () => {
          await floorCall("fill", { name: floorName, n: steps }, deadlineIn(60_000));
          filled = true;
        },
        [wall, oursReplayMs, quietReplayMs],
      );
    }
    if (Object.keys(ids).length === 0) break;
    // One SIGKILL of the whole wrangler dev group, then a restart on the same persist dir.
    progress(`SIGKILL wrangler dev, restart on the same state${of}`);
    await server().stop("SIGKILL");
    const r0 = now();
    await server().restart();
    samples.add("restartMs", now() - r0);
    // The second run of ours is measured before the other side's: the local Workflows engine goes on working
    // on the one thread after its instance reports complete, which would land in this replay's window.
    const measureQuiet = async () => {
      if (quietId === undefined) return;
      const id = quietId;
      progress(`ours: 2 s after the first, signal a second run after restart, and leave it alone for 2 s${of}`);
      await measure(
        ours,
        `replay after restart, no request meanwhile${of}`,
        async () => {
          const deadline = deadlineIn(60_000);
          // Untimed: the first run's end may still have work on the thread; this replay is measured by itself.
          await sleep(2_000);
          await ours.signal(id, deadline);
          await sleep(2_000);
          const { body } = await pollUntilCompleted(ours, id, deadline);
          const stats = body.stats ?? {};
          if (typeof stats.replayMs !== "number") throw new Error("the run reported no stats.replayMs");
          samples.add("quiet", stats.replayMs);
        },
        [quietReplayMs],
        false,
      );
    };
    // The floor's read, also before the other side's signal (as the quiet run, above).
    const measureFloorRead = async () => {
      if (!filled) return;
      filled = false;
      progress(`floor: read the rows back after restart${of}`);
      await measure(
        FLOOR,
        `read after restart${of}`,
        async () => {
          const { ms, body } = await floorCall("read", { name: floorName }, deadlineIn(60_000));
          if (body.rows !== steps) throw new Error(`the floor object read ${body.rows} rows, expected ${steps}`);
          samples.add("floorWall", ms);
          samples.add("floorRead", body.inObjectMs);
        },
        [wall, oursReplayMs, quietReplayMs],
        false,
      );
    };
    // Nothing touches the runs until the signal/event: the first request to each run is the timed one.
    for (const key of sides) {
      const side = SIDES[key];
      const id = ids[key];
      if (id === undefined) continue;
      progress(`${side.label}: signal after restart${of}`);
      await measure(
        side,
        `replay after restart${of}`,
        async () => {
          const deadline = deadlineIn(90_000);
          const t0 = now();
          await side.signal(id, deadline);
          const { at, body } = await pollUntilCompleted(side, id, deadline);
          if (key !== "ours") {
            samples.add("cfWall", at - t0);
            return;
          }
          const stats = body.stats ?? {};
          if (typeof stats.replayMs !== "number" || typeof stats.replayedSteps !== "number") throw new Error("the run reported no stats.replayMs");
          samples.add("wall", at - t0);
          samples.add("polled", stats.replayMs);
          samples.add("replayed", stats.replayedSteps);
        },
        key === "ours" ? [wall, oursReplayMs, replayed] : [wall],
        false,
      );
      if (key === "ours") {
        await measureQuiet();
        await measureFloorRead();
      }
    }
    await measureFloorRead();
  }
  samples.cell(wall, "ours", "wall");
  samples.cell(wall, "cf", "cfWall");
  samples.cell(wall, "floor", "floorWall");
  samples.cell(oursReplayMs, "ours", "polled");
  samples.cell(oursReplayMs, "floor", "floorRead");
  samples.cell(quietReplayMs, "ours", "quiet");
  samples.cell(quietReplayMs, "floor", "floorRead");
  samples.cell(replayed, "ours", "replayed");
  if (args.sides.includes("cf")) {
    oursReplayMs.cells.cf = { error: "n/a" };
    quietReplayMs.cells.cf = { error: "n/a" };
    replayed.cells.cf = { error: "n/a" };
  }
  notes.push(`restart of wrangler dev after SIGKILL took ${samples.each("restartMs")} ms (not counted)`);
  if (SIZES.replayRounds > 1) {
    notes.push(
      `scenario 3, each restart (ms): ours' replay polled ${samples.each("polled")}, quiet ${samples.each("quiet")}; the floor's read ${samples.each("floorRead")}; ` +
        `ours signal -> completed ${samples.each("wall")}`,
    );
  }
  return { oursReplayMs, quietReplayMs, wall };
}

/** The value at quantile q (0..1) of xs, nearest rank. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/**
 * Schedule firing accuracy (ours only): a schedule firing every second (6-field cron); for each of its
 * first SCHEDULE_INSTANTS instants, the delay from the instant (when its alarm is due) to the run's
 * creation (the run's createdAt, stamped by the run object). Both are the Worker's clock: no Node time in it.
 */
async function scenarioSchedule(): Promise<void> {
  const n = SCHEDULE_INSTANTS;
  const med = row(`4. a schedule firing every second, ${n} instants`, "instant -> run created, median", "ms", "lower");
  const p99 = row("", "instant -> run created, p99", "ms", "lower");
  const max = row("", "instant -> run created, max", "ms", "lower");
  progress(`ours: a schedule firing every second for ${n} instants`);
  await measure(
    ours,
    "schedule firing accuracy",
    async () => {
      const deadline = deadlineIn(n * 1_000 + 30_000);
      const name = `bench-every-second-${Date.now().toString(36)}`;
      // catchUp all, overlap allow: every instant starts its own run, a late alarm too (its lateness is what is measured).
      await http(
        "POST",
        "/api/schedules",
        { name, workflow: "bench-chain", cron: "* * * * * *", args: { steps: 1 }, overlap: "allow", catchUp: "all" },
        deadline,
      );
      let fires: { instant: number; runId: string | null; outcome: string; manual: boolean }[] = [];
      for (;;) {
        const view = await http("GET", `/api/schedules/${name}`, undefined, deadline);
        fires = (view.recentFires as typeof fires).filter((f) => !f.manual && f.outcome === "started").reverse();
        if (fires.length >= n) break;
        if (now() >= deadline) throw new Timeout(`only ${fires.length} of ${n} instants fired`);
        await sleep(500);
      }
      await http("DELETE", `/api/schedules/${name}`, undefined, deadline);
      const delays: number[] = [];
      for (const f of fires.slice(0, n)) {
        const run = await http("GET", `/api/runs/${encodeURIComponent(f.runId!)}?steps=none`, undefined, deadline);
        delays.push(run.createdAt - f.instant);
      }
      med.cells.ours = { value: median(delays) };
      p99.cells.ours = { value: quantile(delays, 0.99) };
      max.cells.ours = { value: Math.max(...delays) };
      notes.push(`ours, schedule firing accuracy, each instant's delay (ms): ${delays.join(", ")}`);
    },
    [med, p99, max],
  );
}

/**
 * One long run (ours only: local Workflows stop at 10,000 steps): SIZES.long steps, timed from the start
 * request to the poll that sees it parked on its signal after the last step, and the Worker isolate's
 * heap after a full collection (DevTools protocol) before, with a run of SIZES.small steps parked, with
 * the long run parked, and after both finished. A run's memory should not grow with its length.
 */
async function scenarioLong(): Promise<{ perStep: Row; heapSmall: Row; heapLong: Row }> {
  const n = SIZES.long;
  const wall = row(`5. one run, ${n.toLocaleString("en")} sequential steps`, "wall time (start -> parked after the last step)", "ms", "lower");
  const perStep = row("", "time per step", "ms", "lower");
  const heapBefore = row("", "Worker heap before (after a full GC)", "MiB", "lower");
  const heapSmall = row("", `... with a ${SIZES.small.toLocaleString("en")}-step run parked`, "MiB", "lower");
  const heapLong = row("", `... with the ${n.toLocaleString("en")}-step run parked too`, "MiB", "lower");
  const heapAfter = row("", "... after both finished", "MiB", "lower");
  const all = [wall, perStep, heapBefore, heapSmall, heapLong, heapAfter];
  progress(`ours: one run of ${n} steps, heap before and after`);
  await measure(
    ours,
    `${n} steps`,
    async () => {
      const inspector = await Inspector.open(server().inspectorPort);
      try {
        const heap = async (r: Row) => void (r.cells.ours = { value: await inspector.heapMiB() });
        const parked = async (id: string, steps: number, deadline: number) => {
          for (;;) {
            const { status, body } = await ours.status(id, deadline);
            if (status === "waiting" && body.stepCount >= steps) return now();
            if (status !== "running" && status !== "sleeping" && status !== "waiting") throw new Error(`run ${id} is ${status}`);
            if (now() >= deadline) throw new Timeout(`run ${id} still ${status} at the deadline`);
            await sleep(POLL_MS);
          }
        };
        const deadline = deadlineIn(150_000);
        await heap(heapBefore);
        const small = await ours.start(SIZES.small, true, deadline);
        await parked(small, SIZES.small, deadline);
        await heap(heapSmall);
        const t0 = now();
        const long = await ours.start(n, true, deadline);
        const at = await parked(long, n, deadline);
        wall.cells.ours = { value: at - t0 };
        perStep.cells.ours = { value: (at - t0) / n };
        await heap(heapLong);
        for (const id of [small, long]) {
          await ours.signal(id, deadline);
          await pollUntilCompleted(ours, id, deadline);
        }
        await heap(heapAfter);
      } finally {
        inspector.close();
      }
    },
    all,
  );
  if (floorOn) {
    progress(`floor: ${n} inserts`);
    await measure(
      FLOOR,
      `${n} inserts`,
      async () => {
        const { ms } = await floorCall("insert", { n }, deadlineIn(60_000));
        wall.cells.floor = { value: ms };
        perStep.cells.floor = { value: ms / n };
      },
      [wall, perStep],
    );
  }
  return { perStep, heapSmall, heapLong };
}

// ---------------------------------------------------------------------------------------------------
// Output.

function fmt(c: Cell, unit: string): string {
  if (c === undefined) return "-";
  if ("error" in c) return c.error;
  const v = c.value;
  const digits = unit === "" ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  return `${v.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits })}${unit ? " " + unit : ""}`;
}

/** ours / `to` of a row, as text ("-" when either is missing). */
function ratio(r: Row, to: CellKey = "cf"): string {
  const a = val(r.cells.ours);
  const b = val(r.cells[to]);
  if (a === undefined || b === undefined || b === 0) return "-";
  return times(a / b);
}

function times(x: number): string {
  return `${x < 0.01 ? x.toFixed(4) : x < 1 ? x.toFixed(3) : x.toFixed(2)}x`;
}

/** A target row: what is asked, what was measured (ours / reference as a ratio), PASS or FAIL. */
function target(label: string, a: number | undefined, b: number | undefined, pass: (x: number) => boolean, detail = ""): string[] {
  if (a === undefined || b === undefined || b === 0) return [label, "n/a", "n/a"];
  const x = a / b;
  return [label, `${times(x)}${detail}`, pass(x) ? "PASS" : "FAIL"];
}

function table(headers: string[], body: string[][], align: ("l" | "r")[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => (align[i] === "r" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ") + " |";
  const sep = "|" + widths.map((w, i) => (align[i] === "r" ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|";
  return [line(headers), sep, ...body.map(line)].join("\n");
}

async function main(): Promise<number> {
  console.error(`bench: sides=${args.sides.join(",")} quick=${args.quick} config=${sourceConfig}${args.live ? " (live sources)" : ""}`);
  if (!args.live) {
    progress("bundling a snapshot of the bench Worker");
    ({ dir: snapshotDir, config } = snapshot(sourceConfig));
  }
  progress("starting wrangler dev");
  await startServer();
  progress(`wrangler dev ready at ${server().url} (persist ${server().persistDir})`);
  await warmUp();
  const chainRows = args.scenarios.has(1) ? await scenarioChain() : undefined;
  let manyRows: Awaited<ReturnType<typeof scenarioMany>> | undefined;
  if (args.scenarios.has(2)) {
    if (budgetLeft() > 20_000) manyRows = await scenarioMany();
    else notes.push("scenario 2 skipped: time budget used up");
  }
  let replayRows: Awaited<ReturnType<typeof scenarioReplay>> | undefined;
  if (args.scenarios.has(3)) {
    if (budgetLeft() > 30_000) replayRows = await scenarioReplay();
    else notes.push("scenario 3 skipped: time budget used up");
  }
  if (args.scenarios.has(4) && args.sides.includes("ours")) {
    if (budgetLeft() > SCHEDULE_INSTANTS * 1_000 + 20_000) await scenarioSchedule();
    else notes.push("scenario 4 skipped: time budget used up");
  }
  let longRows: Awaited<ReturnType<typeof scenarioLong>> | undefined;
  if (args.scenarios.has(5) && args.sides.includes("ours")) {
    if (budgetLeft() > 40_000) longRows = await scenarioLong();
    else notes.push("scenario 5 skipped: time budget used up");
  }
  const totalS = (now() - t0Bench) / 1000;

  const headers = ["scenario", "metric", ...args.sides.map((k) => SIDES[k].label)];
  const align: ("l" | "r")[] = ["l", "l", ...args.sides.map(() => "r" as const)];
  if (args.sides.length === 2) {
    headers.push("ours/theirs");
    align.push("r");
  }
  if (floorOn) {
    headers.push("floor", "ours/floor");
    align.push("r", "r");
  }
  const shown = rows.filter((r) =>
    args.sides.some((k) => {
      const c = r.cells[k];
      return c !== undefined && !("error" in c && c.error === "n/a");
    }),
  );
  const body = shown.map((r) => {
    const cells = [r.scenario, r.metric + (r.unit === "ms" ? "" : ""), ...args.sides.map((k) => fmt(r.cells[k], r.unit))];
    if (args.sides.length === 2) cells.push(r.better === "higher" && ratio(r) !== "-" ? `${ratio(r)} (higher is better)` : ratio(r));
    if (floorOn) cells.push(fmt(r.cells.floor, r.unit), ratio(r, "floor"));
    return cells;
  });

  const targets: string[][] = [];
  if (args.sides.includes("ours")) {
    const small = SIZES.small.toLocaleString("en");
    if (args.sides.includes("cf")) {
      targets.push(target(`ours at ${small} steps <= 0.5x theirs`, val(chainRows?.wallSmall.cells.ours), val(chainRows?.wallSmall.cells.cf), (x) => x <= 0.5));
    }
    targets.push(
      target(
        `ours at ${small} steps <= 2x the floor's ${small} inserts`,
        val(chainRows?.wallSmall.cells.ours),
        val(chainRows?.wallSmall.cells.floor),
        (x) => x <= 2,
      ),
    );
    // Not targets: how much of that ratio the storage work is, and how much the engine's code adds.
    const oursSmall = val(chainRows?.wallSmall.cells.ours);
    const insertsSmall = val(chainRows?.wallSmall.cells.floor);
    const workSmall = val(chainRows?.workSmall.cells.floor);
    if (workSmall !== undefined && insertsSmall !== undefined) {
      targets.push([
        `(no target) a ${small}-step run's storage work on a bare object / the floor's ${small} inserts`,
        `${times(workSmall / insertsSmall)} (${workSmall.toFixed(1)} vs ${insertsSmall.toFixed(1)} ms)`,
        "info",
      ]);
    }
    if (workSmall !== undefined && oursSmall !== undefined) {
      targets.push([
        `(no target) ours at ${small} steps / that storage work on a bare object`,
        `${times(oursSmall / workSmall)} (${oursSmall.toFixed(1)} vs ${workSmall.toFixed(1)} ms)`,
        "info",
      ]);
    }
    const ps1 = val(chainRows?.perStepSmall.cells.ours);
    const ps2 = val(chainRows?.perStepLarge.cells.ours);
    targets.push(
      target(
        `our time per step at ${SIZES.large.toLocaleString("en")} <= 1.5x ours at ${small}`,
        ps2,
        ps1,
        (x) => x <= 1.5,
        ` (${ps2?.toFixed(3)} vs ${ps1?.toFixed(3)} ms)`,
      ),
    );
    const psLong = val(longRows?.perStep.cells.ours);
    targets.push(
      target(
        `our time per step at ${SIZES.long.toLocaleString("en")} <= 1.25x ours at ${SIZES.large.toLocaleString("en")} (flat)`,
        psLong,
        ps2,
        (x) => x <= 1.25,
        ` (${psLong?.toFixed(4)} vs ${ps2?.toFixed(4)} ms)`,
      ),
    );
    const heapSmall = val(longRows?.heapSmall.cells.ours);
    const heapLong = val(longRows?.heapLong.cells.ours);
    targets.push([
      `heap with the ${SIZES.long.toLocaleString("en")}-step run parked - with the ${small}-step run alone < 1 MiB`,
      heapSmall !== undefined && heapLong !== undefined ? `${(heapLong - heapSmall).toFixed(2)} MiB` : "n/a",
      heapSmall !== undefined && heapLong !== undefined ? (heapLong - heapSmall < 1 ? "PASS" : "FAIL") : "n/a",
    ]);
    for (const [r, what] of [
      [replayRows?.quietReplayMs, "no request meanwhile"],
      [replayRows?.oursReplayMs, "polled meanwhile"],
    ] as const) {
      const rep = r ? val(r.cells.ours) : undefined;
      const repFloor = r ? val(r.cells.floor) : undefined;
      targets.push(
        target(
          `our replay of ${SIZES.replay.toLocaleString("en")} steps (stats.replayMs, ${what}) <= 3x the floor's read of as many rows`,
          rep,
          repFloor,
          (x) => x <= 3,
          ` (${rep?.toFixed(1)} vs ${repFloor?.toFixed(1)} ms)`,
        ),
      );
    }
    for (const [r, what] of [
      [manyRows?.parkedRate, "runs that wait"],
      [manyRows?.rate, `runs of ${SIZES.manySteps} steps (executing meanwhile)`],
    ] as const) {
      const rate = r ? val(r.cells.ours) : undefined;
      const rateFloor = r ? val(r.cells.floor) : undefined;
      targets.push(
        target(
          `our starts/s, ${what}, >= 0.8x the floor's new objects/s, ${SIZES.many} at once`,
          rate,
          rateFloor,
          (x) => x >= 0.8,
          ` (${rate?.toFixed(1)} vs ${rateFloor?.toFixed(1)} /s)`,
        ),
      );
    }
    // Not targets: where the start target's gap comes from (see the note on 2b's last row).
    const work = val(manyRows?.storageWork.cells.floor);
    const bare = val(manyRows?.parkedRate.cells.floor);
    const parked = val(manyRows?.parkedRate.cells.ours);
    if (work !== undefined && bare !== undefined) {
      targets.push([
        `(no target) a start's storage work on bare objects / the floor's new objects/s`,
        `${times(work / bare)} (${work.toFixed(1)} vs ${bare.toFixed(1)} /s)`,
        "info",
      ]);
    }
    const partName: Record<StartPart, string> = {
      alarm: "without its alarm",
      index: "without the index's entry",
      schema: "with four plain tables for the run object's schema",
      all: "without its alarm and the index's entry, with four plain tables (its rows alone)",
    };
    for (const part of START_PARTS) {
      const without = manyRows?.withoutPart[part];
      if (work === undefined || without === undefined) continue;
      targets.push([
        `(no target) a start's storage work on bare objects ${partName[part]} / with it`,
        `${times(without / work)} (${without.toFixed(1)} vs ${work.toFixed(1)} /s)`,
        "info",
      ]);
    }
    const rowsAlone = manyRows?.withoutPart.all;
    if (rowsAlone !== undefined && bare !== undefined) {
      targets.push([
        `(no target) a start's rows alone on bare objects (no alarm, no index entry, four plain tables) / the floor's new objects/s`,
        `${times(rowsAlone / bare)} (${rowsAlone.toFixed(1)} vs ${bare.toFixed(1)} /s)`,
        "info",
      ]);
    }
    if (work !== undefined && parked !== undefined) {
      targets.push([
        `(no target) our starts/s, runs that wait / a start's storage work on bare objects`,
        `${times(parked / work)} (${parked.toFixed(1)} vs ${work.toFixed(1)} /s)`,
        "info",
      ]);
    }
    const tenWork = val(manyRows?.tenWork.cells.floor);
    const tens = val(manyRows?.rate.cells.ours);
    if (tenWork !== undefined && bare !== undefined) {
      targets.push([
        `(no target) a ${SIZES.manySteps}-step run's storage work on bare objects / the floor's new objects/s`,
        `${times(tenWork / bare)} (${tenWork.toFixed(1)} vs ${bare.toFixed(1)} /s)`,
        "info",
      ]);
    }
    if (tenWork !== undefined && tens !== undefined) {
      targets.push([
        `(no target) our starts/s, runs of ${SIZES.manySteps} steps / their storage work on bare objects`,
        `${times(tens / tenWork)} (${tens.toFixed(1)} vs ${tenWork.toFixed(1)} /s)`,
        "info",
      ]);
    }
  }

  const out: string[] = [];
  out.push("");
  out.push(
    `Stepwise bench: local wrangler dev, ${availableParallelism()} cores, node ${process.version}, ${new Date().toISOString()}${args.quick ? " (--quick sizes)" : ""}`,
  );
  out.push(
    `Same harness for both sides; times from the start/signal request to the first answer that says "completed": ours held by the server ` +
      `(?wait=), theirs polled every ${POLL_MS} ms (see the method at the top of bench/run.ts).`,
  );
  out.push(`Worker: ${sourceConfig}${args.live ? " (live sources)" : ", run from a snapshot bundle made at the start"}.`);
  out.push("");
  out.push(table(headers, body, align));
  if (targets.length > 0) {
    out.push("");
    out.push(table(["target", "measured", "result"], targets, ["l", "r", "l"]));
  }
  out.push("");
  out.push("Notes:");
  out.push("- Local Cloudflare Workflows are miniflare's implementation in workerd, not the production service; ours also runs on local workerd.");
  out.push(
    `- wrangler dev's own tracing of every invocation to a local store is ${benchDevEnv().X_LOCAL_OBSERVABILITY === "false" ? "off" : "on"} for both sides (X_LOCAL_OBSERVABILITY; see bench/dev-env.ts).`,
  );
  out.push("- Local Workflows enforce the 10,000 steps-per-instance default (waitForEvent does not count); every scenario fits.");
  out.push("- In local workerd a run that executes step after step keeps the process busy: other requests (start responses, polls,");
  out.push("  other starts) are answered late, on both sides. Start latencies and starts/s therefore include execution time.");
  out.push("- Local Workflows report \"running\" while in waitForEvent, so scenario 3's setup waits for the last step's result");
  out.push("  (the local binding's unsafeWaitForStepResult); nothing touches either run after the restart before the timed signal.");
  for (const n of notes) out.push(`- ${n}`);
  out.push(`- total bench time ${totalS.toFixed(1)} s`);
  console.log(out.join("\n"));

  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ sizes: SIZES, sides: args.sides, rows, targets, notes, totalS }, null, 2));
  }
  return rows.some((r) => Object.values(r.cells).some((c) => c !== undefined && "error" in c && c.error !== "n/a")) ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  if (!aborting) {
    console.error("bench failed:", err instanceof Error ? (err.stack ?? err.message) : err);
    if (dev) console.error("--- wrangler dev logs (tail) ---\n" + dev.logs().slice(-8000));
  }
  code = aborting ? 130 : 1;
} finally {
  await cleanup();
}
process.exit(code);
