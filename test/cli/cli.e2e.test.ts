// The `stepwise` command line against a real `wrangler dev`, run as an operator runs it (a child process,
// once through `npx stepwise`): each command on real runs, the exit codes a script branches on, and the
// token never in the output. One server for the file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunHistory } from "../../src/engine/history.ts";
import { apiOf, TOKEN, until } from "../helpers/dev-api.ts";
import { type CliOptions, type CliResult, runStepwise, spawnStepwise, stopStepwise } from "../helpers/stepwise-cli.ts";
import { type DevServer, freePort, startWranglerDev } from "../helpers/wrangler-dev.ts";

let dev: DevServer;
/** A directory with no .dev.vars above it: the token comes from STEPWISE_TOKEN only. */
let cwd: string;

const options = (env: Record<string, string> = {}): CliOptions => ({ cwd, env: { STEPWISE_URL: dev.url, STEPWISE_TOKEN: TOKEN, ...env } });

/** Runs the command line to its end; whatever it printed, never the token. */
async function stepwise(...args: string[]): Promise<CliResult> {
  const result = await runStepwise(args, options());
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  return result;
}

/** The run id of a `Started run_... (workflow)` line. */
function startedId(stdout: string): string {
  const id = /^Started (run_\w+) \(/m.exec(stdout)?.[1];
  if (id === undefined) throw new Error(`no "Started" line in:\n${stdout}`);
  return id;
}

/** Starts an await-approval run; its id once the run waits for its signal. */
async function startWaiting(request: string): Promise<string> {
  const started = await stepwise("start", "await-approval", "--args", JSON.stringify({ request }));
  expect(started.code, started.stderr).toBe(0);
  const id = startedId(started.stdout);
  // `start` answers once the run exists; its steps before the signal may still be going.
  await until(
    "the run waits",
    () => api("GET", `/api/runs/${id}?steps=none`),
    (r) => r.json.status === "waiting",
    30_000,
    () => dev.logs(),
  );
  return id;
}

const api = (method: string, path: string, body?: unknown) => apiOf(dev)(method, path, body);

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "stepwise-cli-e2e-"));
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  stopStepwise();
  await dev?.dispose();
  if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
});

describe("stepwise against wrangler dev", () => {
  it("lists the workflows, through npx stepwise from the repository root (the package's bin)", async () => {
    const viaNpx = await runStepwise(["workflows"], { ...options(), cwd: undefined, via: "npx" });
    expect(viaNpx.code, viaNpx.stderr).toBe(0);
    expect(viaNpx.stdout).toMatch(/^NAME\s+VERSION\s+LIVE RUNS$/m);
    expect(viaNpx.stdout).toMatch(/^await-approval\s+1\s+v1: \d+$/m);
    expect(viaNpx.stdout).toMatch(/^repair-http\s+2\s+v1: \d+, v2: \d+$/m);

    const json = await stepwise("workflows", "--json");
    expect(json.code).toBe(0);
    const names = (JSON.parse(json.stdout) as { workflows: { name: string }[] }).workflows.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(["sleepy-greeting", "await-approval"]));
  });

  it("starts a run with --args and --wait, and prints its result when it completes", async () => {
    const r = await stepwise("start", "sleepy-greeting", "--args", '{"name":"Ada","sleepMs":300}', "--wait");
    expect(r.code, r.stderr).toBe(0);
    const id = startedId(r.stdout);
    expect(r.stdout).toContain(`${id} completed after`);
    expect(r.stdout).toMatch(/^result {2}\{"greeting":"Hello, Ada! I slept 300 ms\.","sleptMs":\d+\}$/m);
  });

  it("prints a run's history as one line of JSON in a pipe, which parses as a RunHistory", async () => {
    const run = await stepwise("start", "sleepy-greeting", "--args", '{"name":"Ada","sleepMs":100}', "--wait");
    expect(run.code, run.stderr).toBe(0);
    const id = startedId(run.stdout);
    const saved = await stepwise("history", id);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout.trimEnd().split("\n")).toHaveLength(1);
    const history = RunHistory.parse(JSON.parse(saved.stdout));
    expect(history).toMatchObject({
      format: "stepwise.history/1",
      runId: id,
      workflow: "sleepy-greeting",
      status: "completed",
      args: { name: "Ada", sleepMs: 100 },
    });
    expect(history.steps.map((s) => [s.kind, s.name])).toEqual([
      ["run", "prepare"],
      ["sleep", "nap"],
      ["run", "greet"],
      ["now", "now"],
    ]);
  });

  it("follows a waiting run's events while a bad payload is refused (exit 1, run unchanged) and a good one ends it", async () => {
    const id = await startWaiting("ship v2");
    const events = spawnStepwise(["events", id], options());
    await events.waitFor(/step\.waiting +#0 approval \(signal\)/);

    const bad = await stepwise("signal", id, "approval", '{"approved":"yes"}');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^error: .*\(signal\.invalid_payload\)$/m);
    expect(bad.stderr).toMatch(/^ {2}\/payload\/approved: .+$/m);
    const unchanged = await api("GET", `/api/runs/${id}?steps=none`);
    expect(unchanged.json).toMatchObject({ status: "waiting", stepCount: 1, waitingFor: [{ kind: "signal", signal: "approval" }] });

    const good = await stepwise("signal", id, "approval", '{"approved":true,"by":"ada"}');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(new RegExp(`^Sent signal "approval" to ${id} \\(signal \\d+\\)$`, "m"));

    const followed = await events.done;
    expect(followed.code, followed.stderr).toBe(0);
    const types = [...followed.stdout.matchAll(/^ *\d+ {2}\S+ {2}(\S+)/gm)].map((m) => m[1]);
    expect(types).toEqual(["run.started", "step.waiting", "signal.received", "step.completed", "step.started", "step.completed", "run.finished"]);
    expect(followed.stdout).toMatch(/run\.finished +completed$/m);

    const shown = await stepwise("show", id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status +completed$/m);
    expect(shown.stdout).toMatch(/^result +\{"request":"ship v2","outcome":"approved","by":"ada"\}$/m);
    expect(shown.stdout).toMatch(/^steps \(2\)$/m);
    expect(shown.stdout).toMatch(/^ {2}SEQ +NAME +KIND +STATUS +DURATION +NOTES$/m);
    expect(shown.stdout).toMatch(/^ {2}0 +approval +signal +completed +[\d.]+ m?s$/m);
    expect(shown.stdout).toMatch(/^ {2}1 +record-decision +run +completed +[\d.]+ m?s$/m);
  });

  it("cancels a run: events and start --wait exit 6, a second cancel is refused", async () => {
    const id = await startWaiting("to cancel");
    const events = spawnStepwise(["events", id, "--json"], options());
    await events.waitFor(/"type":"step\.waiting"/);
    const waiter = spawnStepwise(["start", "await-approval", "--args", '{"request":"wait for me"}', "--wait"], options());
    const waitedId = startedId(await waiter.waitFor(/^Started run_\w+ /m));

    expect(await stepwise("cancel", id)).toMatchObject({ code: 0, stdout: `Canceled ${id}\n` });
    const followed = await events.done;
    expect(followed.code).toBe(6);
    const last = JSON.parse(followed.stdout.trim().split("\n").at(-1) ?? "");
    expect(last).toMatchObject({ type: "run.finished", data: { status: "canceled" } });

    // The run --wait follows may not be waiting yet; a cancel takes it either way.
    expect((await stepwise("cancel", waitedId)).code).toBe(0);
    const waited = await waiter.done;
    expect(waited.code).toBe(6);
    expect(waited.stdout).toContain(`${waitedId} canceled after`);

    const again = await stepwise("cancel", id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("(run.already_finished)");
  });

  it("pauses and resumes a waiting run", async () => {
    const id = await startWaiting("to pause");
    expect(await stepwise("pause", id)).toMatchObject({ code: 0, stdout: `Paused ${id}\n` });
    expect(await stepwise("pause", id)).toMatchObject({ code: 0, stdout: `${id} was paused already\n` });
    const paused = JSON.parse((await stepwise("show", id, "--json")).stdout);
    expect(paused.pausedAt).toEqual(expect.any(Number));
    expect(await stepwise("resume", id)).toMatchObject({ code: 0, stdout: `Resumed ${id} (waiting)\n` });
    expect((await api("GET", `/api/runs/${id}?steps=none`)).json).toMatchObject({ status: "waiting", pausedAt: null });
  });

  it("restarts a failed run from a step on another version; the new run completes", async () => {
    const failed = await stepwise("start", "repair-http", "--args", JSON.stringify({ key: `cli-${Date.now()}` }), "--version", "1", "--wait");
    expect(failed.code).toBe(5);
    const id = startedId(failed.stdout);
    expect(failed.stdout).toMatch(/^error +fails the first time \(test\.first_time\)$/m);

    const restarted = await stepwise("restart", id, "--from-step", "second", "--version", "2");
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toBe(`Restarted ${id} as ${id}:r2 from step 1 (v2, running)\n`);
    const followed = await stepwise("events", `${id}:r2`);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`run\\.restarted +restart of ${id} from step 1`));

    const twice = await stepwise("restart", id);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("(run.already_restarted)");
  });

  it("lists runs filtered by workflow and status as JSON, and pages with the printed command", async () => {
    // The list is the run index, told of each change just after it: wait until it has both canceled runs.
    await until(
      "two canceled await-approval runs listed",
      () => api("GET", "/api/runs?workflow=await-approval&status=canceled"),
      (r) => r.json.runs.length >= 2,
      30_000,
      () => dev.logs(),
    );
    const listed = await stepwise("runs", "--workflow", "await-approval", "--status", "canceled", "--json");
    expect(listed.code).toBe(0);
    const page = JSON.parse(listed.stdout) as { runs: { runId: string; workflow: string; status: string }[]; nextCursor: string | null };
    expect(page.runs.length).toBeGreaterThanOrEqual(2);
    for (const run of page.runs) expect(run).toMatchObject({ workflow: "await-approval", status: "canceled" });

    const first = await stepwise("runs", "--workflow", "await-approval", "--status", "canceled", "--limit", "1");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^RUN +WORKFLOW +STATUS +CREATED +DURATION +WAITING FOR$/m);
    expect(first.stdout).toMatch(/^run_\w+ +await-approval v1 +canceled +\d{4}-\d\d-\d\dT[\d:]+Z +[\d.]+ (ms|s)$/m);
    const next = /^More runs: stepwise (runs .*--cursor .+)$/m.exec(first.stdout)?.[1];
    expect(next).toContain("--workflow await-approval --status canceled --limit 1 --cursor");
    const cursor = /--cursor (\S+)$/.exec(next ?? "")?.[1]?.replace(/^'|'$/g, "") ?? "";
    const second = await stepwise("runs", "--workflow", "await-approval", "--status", "canceled", "--limit", "1", "--cursor", cursor);
    expect(second.code).toBe(0);
    const ids = (s: string) => s.match(/^run_\w+/gm) ?? [];
    expect(ids(second.stdout)).toHaveLength(1);
    expect(ids(second.stdout)[0]).not.toBe(ids(first.stdout)[0]);
  });

  it("refuses bad usage with exit 2 before any request: an unknown command, --args that is not JSON", async () => {
    const unknown = await stepwise("frobnicate");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');

    const bad = await stepwise("start", "sleeper", "--args", "{ms: 5}");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^stepwise start: --args is not valid JSON: /m);
    expect(bad.stdout).toBe("");
    // wrangler dev logs each request it serves (the starts of the tests before are there): none for this one.
    expect(dev.logs()).toMatch(/POST \/api\/workflows\/await-approval\/runs 201/);
    expect(dev.logs()).not.toContain("/api/workflows/sleeper/runs");
  });

  it("exits 4 on a wrong token without printing it, and 3 when no server listens", async () => {
    const wrongToken = `wrong-${Date.now()}`;
    for (const extra of [[], ["--json"]]) {
      const denied = await runStepwise(["runs", ...extra], options({ STEPWISE_TOKEN: wrongToken }));
      expect(denied.code).toBe(4);
      expect(denied.stderr).toContain("The token from STEPWISE_TOKEN was refused");
      expect(denied.stdout + denied.stderr).not.toContain(wrongToken);
    }

    const nobody = `http://127.0.0.1:${await freePort()}`;
    const down = await runStepwise(["workflows"], options({ STEPWISE_URL: nobody }));
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`could not reach ${nobody} (ECONNREFUSED)`);
  });
});
