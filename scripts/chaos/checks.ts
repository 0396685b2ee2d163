// The checks after a chaos round: each run's status and result, executions against the journal (no
// completed step ran again), signals delivered once, threads without repeats, app rows (D1) written
// once, and the run index.
import { ProbeCounts, RunListPage, RunView } from "./api-shapes.ts";
import { call, sleep, type Target } from "./http.ts";
import type { Driven } from "./drive.ts";
import type { LogTap } from "./log-tap.ts";
import { appRowsProblems } from "./app-rows-check.ts";
import { threadProblems } from "./thread-check.ts";

export interface Check {
  ok: boolean;
  what: string;
  /** Why it failed, and what was seen. */
  detail?: string;
}

const pass = (what: string): Check => ({ ok: true, what });
const fail = (what: string, detail: string): Check => ({ ok: false, what, detail });

/** A run with its journal; throws when it cannot be read. */
export async function readRun(target: Target, runId: string): Promise<RunView> {
  const res = await call(target, "GET", `/api/runs/${encodeURIComponent(runId)}`);
  if (res.status !== 200) throw new Error(`GET /api/runs/${runId}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return RunView.parse(res.json);
}

/** A run as a failure report shows it: status, error, what it waits for, its journal. */
export function describeRun(run: RunView): string {
  const steps = run.steps.map(
    (s) => `#${s.seq} ${s.kind} ${s.name} ${s.status} x${s.attempts}${s.error === undefined ? "" : ` ${JSON.stringify(s.error).slice(0, 160)}`}`,
  );
  return [
    `status ${run.status}${run.error === undefined ? "" : ` error ${JSON.stringify(run.error)}`}, result ${JSON.stringify(run.result)?.slice(0, 300)}`,
    `waitingFor ${JSON.stringify(run.waitingFor)?.slice(0, 400)}`,
    `journal: ${steps.join("; ")}`,
  ].join("\n");
}

/** Execution counts the probe holds for a run's steps, by seq. */
async function executions(target: Target, runId: string): Promise<Map<number, number>> {
  const res = await call(target, "GET", `/test/probe/counts?prefix=${encodeURIComponent(`${runId}/`)}`);
  if (res.status !== 200) throw new Error(`probe counts of ${runId}: HTTP ${res.status}`);
  const out = new Map<number, number>();
  for (const [key, n] of Object.entries(ProbeCounts.parse(res.json))) {
    // LIKE treats "_" in the prefix as a wildcard: keep exact matches only.
    if (key.startsWith(`${runId}/`)) out.set(Number(key.slice(runId.length + 1)), n);
  }
  return out;
}

/** No step executed more often than its journal counts attempts (one more would be a rerun after completion). */
async function journalCheck(target: Target, label: string, run: RunView): Promise<Check> {
  const steps = run.steps;
  const ran = await executions(target, run.runId);
  const problems: string[] = [];
  for (const [seq, n] of ran) {
    const step = steps.find((s) => s.seq === seq);
    if (step === undefined) problems.push(`seq ${seq} executed ${n}x but is not in the journal`);
    else if (n > step.attempts) problems.push(`step #${seq} ${step.name} (${step.status}) executed ${n}x, journal counts ${step.attempts} attempt(s)`);
  }
  for (const s of steps) {
    if (s.kind === "action" && s.name === "chaos.mark" && s.status === "completed" && !ran.has(s.seq))
      problems.push(`step #${s.seq} completed but never executed`);
  }
  const total = [...ran.values()].reduce((a, b) => a + b, 0);
  const what = `${label} ${run.runId}: ${total} executions over ${ran.size} action steps, none past its journaled attempts`;
  return problems.length === 0 ? pass(what) : fail(what, `${problems.join("\n")}\n${describeRun(run)}`);
}

/** Every check of one driven run (its child too), given its final state (undefined: never read). */
export async function checkRun(target: Target, tap: LogTap, d: Driven, run: RunView | undefined): Promise<Check[]> {
  const { plan } = d;
  const checks: Check[] = [];
  const name = `${plan.label}${d.runId === undefined ? "" : ` ${d.runId}`}`;
  for (const p of d.problems) checks.push(fail(`${name}: driven as planned`, p));
  if (d.runId === undefined || run === undefined) return checks.length > 0 ? checks : [fail(`${name}: read`, "the run could not be read")];
  const logs = () =>
    tap
      .linesAbout(d.runId!)
      .map((l) => `log: ${l}`)
      .join("\n");

  if (plan.cancel !== undefined) {
    // Canceled while its child waited: both must end canceled, the child through the cancel its parent owed it.
    const childId = `${d.runId}.0`;
    const child = await untilFinished(target, childId, Date.now() + 30_000).catch((err: unknown) => String(err));
    const what = `${name}: canceled, and its child ${childId} canceled with it`;
    const problems = [
      ...(run.status === "canceled" ? [] : [`the run is ${run.status}`]),
      ...(typeof child === "string" ? [child] : child.status === "canceled" ? [] : [`the child is ${child.status}: ${describeRun(child)}`]),
    ];
    checks.push(problems.length === 0 ? pass(what) : fail(what, [...problems, describeRun(run), logs()].filter((s) => s !== "").join("\n")));
    return checks;
  }
  const wrong = run.status === "completed" ? plan.expect(run.result) : `status ${run.status}, expected completed`;
  checks.push(
    wrong === null
      ? pass(`${name}: completed with the expected result`)
      : fail(
          `${name}: completed with the expected result`,
          [wrong, describeRun(run), `args ${JSON.stringify(plan.args)}`, logs()].filter((s) => s !== "").join("\n"),
        ),
  );

  if (plan.probed) checks.push(await journalCheck(target, plan.label, run));
  // SAFETY: only read through optional chaining; the plan's own checks say what the result must be.
  const result = run.result as any;
  if (plan.signals !== undefined) {
    const what = `${name}: ${d.signalsAccepted} accepted signal(s) (${d.sentWhileDown} sent while down) each delivered once`;
    const want = JSON.stringify(plan.signals.payloads);
    const got = JSON.stringify(result?.got);
    const extra = result?.extra;
    checks.push(
      got === want && extra === null ? pass(what) : fail(what, `delivered ${got}, accepted ${want}, a duplicate after them: ${JSON.stringify(extra)}`),
    );
  }
  if (plan.signal !== undefined) {
    // The wait's journal row holds what it received: the one payload sent, even when sent while down.
    const { name: signal, payload } = plan.signal;
    const what = `${name}: its ${signal} signal (${d.sentWhileDown > 0 ? "sent while down" : "sent while up"}) delivered once, to its wait`;
    const waits = run.steps.filter((s) => s.kind === "signal" && s.name === signal);
    const got = waits.map((s) => `${s.status} ${JSON.stringify(s.result)}`);
    checks.push(
      got.length === 1 && got[0] === `completed ${JSON.stringify(payload)}`
        ? pass(what)
        : fail(what, `journaled waits on ${signal}: ${JSON.stringify(got)}, sent ${JSON.stringify(payload)}\n${describeRun(run)}`),
    );
  }
  if (plan.approval !== undefined && d.decided !== undefined) checks.push(pass(`${name}: approval decided ${d.decided}`));
  if (plan.child !== undefined) {
    // A child's id is its parent's id and the seq of the step that started it.
    const childId = `${d.runId}.0`;
    const what = `${plan.label} child ${childId}: completed with ${plan.child.result}`;
    const child = await readRun(target, childId).catch((err: unknown) => String(err));
    if (typeof child === "string") checks.push(fail(what, child));
    else {
      checks.push(child.status === "completed" && child.result === plan.child.result ? pass(what) : fail(what, describeRun(child)));
      checks.push(await journalCheck(target, `${plan.label} child`, child));
    }
  }
  if (plan.thread !== undefined && run.status === "completed") {
    const what = `${name}: thread ${result?.threadId} holds each message once`;
    const problems = await threadProblems(target, plan.thread, result).catch((err: unknown) => [String(err)]);
    checks.push(problems.length === 0 ? pass(what) : fail(what, problems.join("\n")));
  }
  if (plan.appRows !== undefined && run.status === "completed") {
    const what = `${name}: its ${plan.appRows.table} rows written once`;
    const problems = await appRowsProblems(target, d.runId, plan.appRows, result).catch((err: unknown) => [String(err)]);
    checks.push(problems.length === 0 ? pass(what) : fail(what, problems.join("\n")));
  }
  return checks;
}

/** Reads a run until it has ended (a parent's cancel reaches its child on the parent's next wake-up at the latest). */
async function untilFinished(target: Target, runId: string, deadline: number): Promise<RunView> {
  for (;;) {
    const run = await readRun(target, runId).catch(() => undefined);
    if (run !== undefined && ["completed", "failed", "canceled"].includes(run.status)) return run;
    if (Date.now() >= deadline) {
      if (run === undefined) throw new Error(`${runId} could not be read`);
      return run;
    }
    await sleep(250);
  }
}

/** Every run the index lists, by id, with its status (all pages). */
async function listed(target: Target): Promise<Map<string, { workflow: string; status: string }>> {
  const out = new Map<string, { workflow: string; status: string }>();
  let cursor: string | null = null;
  do {
    const res = await call(target, "GET", `/api/runs?limit=100${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
    if (res.status !== 200) throw new Error(`GET /api/runs: HTTP ${res.status}`);
    const page = RunListPage.parse(res.json);
    for (const r of page.runs) out.set(r.runId, { workflow: r.workflow, status: r.status });
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/**
 * The run index lists exactly the runs started (and their children), each with the status the run
 * itself has: a start applied twice would list one more run. The index may lag (it is pushed to after
 * each change, and pushed again on a wake-up), so it gets until `deadline` to agree.
 */
export async function indexCheck(target: Target, finals: Map<string, string>, deadline: number): Promise<Check> {
  const what = `the run index lists the ${finals.size} runs (children included) with their final status, and no other`;
  let diff: string[] = [];
  do {
    try {
      const index = await listed(target);
      diff = [];
      for (const [runId, status] of finals) {
        const row = index.get(runId);
        if (row?.status !== status) diff.push(`${runId}: ${status} in the run, ${row === undefined ? "not listed" : row.status} in the index`);
      }
      for (const [runId, row] of index) if (!finals.has(runId)) diff.push(`${runId} (${row.workflow}, ${row.status}) listed but never started by the harness`);
    } catch (err) {
      diff = [String(err)];
    }
    if (diff.length === 0) return pass(what);
    await sleep(500);
  } while (Date.now() < deadline);
  return fail(what, diff.join("\n"));
}
