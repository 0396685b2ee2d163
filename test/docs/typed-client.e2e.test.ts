// The README's typed client (examples/readme/typed-client.ts) runs as written: a child Node process against
// a real `wrangler dev` starts an await-approval run, approves it and prints the result; a bad token fails it.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, TOKEN } from "../helpers/dev-api.ts";
import { REPO_ROOT, startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

const CLIENT = "examples/readme/typed-client.ts";
let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

/** Runs the client from the repository root, as the README says, with these variables (and no STEPWISE_* of ours). */
function runClient(vars: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STEPWISE_")));
  const child = spawn(process.execPath, [CLIENT], { cwd: REPO_ROOT, env: { ...env, ...vars }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The ids of the await-approval runs the server has. */
async function approvalRuns(): Promise<string[]> {
  const { json } = await apiOf(dev)("GET", "/api/runs?workflow=await-approval&limit=100");
  return json.runs.map((r: { runId: string }) => r.runId);
}

describe("examples/readme/typed-client.ts", () => {
  it("starts an await-approval run, reads it waiting, approves it and prints its result", async () => {
    const { code, stdout, stderr } = await runClient({ STEPWISE_URL: dev.url, STEPWISE_TOKEN: TOKEN });
    expect(code, `stderr:\n${stderr}\nserver:\n${dev.logs().slice(-4000)}`).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^run_[0-9a-f]+: waiting \(signal "approval"\)$/),
      expect.stringMatching(/^run_[0-9a-f]+: completed \{"request":"ship v2","outcome":"approved","by":"ada"\}$/),
    ]);
    const runId = lines[0]!.slice(0, lines[0]!.indexOf(":"));
    expect(lines[1]!.startsWith(`${runId}:`)).toBe(true);

    // What the server holds: the run it printed, completed on the decision it sent.
    const run = await apiOf(dev)("GET", `/api/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({
      workflow: "await-approval",
      status: "completed",
      args: { request: "ship v2" },
      result: { request: "ship v2", outcome: "approved", by: "ada" },
      waitingFor: [],
    });
    expect(run.json.steps.map((s: { name: string; kind: string; status: string }) => [s.name, s.kind, s.status])).toEqual([
      ["approval", "signal", "completed"],
      ["record-decision", "run", "completed"],
    ]);
  });

  it.each([
    ["a wrong token", { STEPWISE_TOKEN: "not-the-token" }, "start refused: 401"],
    ["no token", {}, "set STEPWISE_TOKEN"],
  ])("with %s, exits 1 saying why and starts nothing", async (_what, vars, message) => {
    const before = await approvalRuns();
    const { code, stdout, stderr } = await runClient({ STEPWISE_URL: dev.url, ...vars });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
    expect(await approvalRuns()).toEqual(before);
  });
});
