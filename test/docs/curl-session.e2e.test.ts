// The README's curl session runs as written (bash, curl) against a real `wrangler dev`, only its
// http://localhost:8787 pointed at the test server: every answer is JSON on a line of its own, the run it
// starts waits, takes the signal and completes, and the sleepy-greeting run starts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN } from "../helpers/dev-api.ts";
import { fenceAfter } from "../helpers/readme.ts";
import { runBash } from "../helpers/shell.ts";
import { type DevServer, REPO_ROOT, startWranglerDev } from "../helpers/wrangler-dev.ts";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

const SESSION = fenceAfter(README, "### A curl session", "sh");
/** "Agents and threads": start each example, read every result, approve the draft, read its thread. */
const AGENTS = fenceAfter(README, "Start each, read every result, then a thread", "sh");

let dev: DevServer;
let cwd: string;

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
  // The session reads the token from .dev.vars, as npm start writes it.
  cwd = mkdtempSync(join(tmpdir(), "stepwise-curl-"));
  writeFileSync(join(cwd, ".dev.vars"), `API_TOKEN=${TOKEN}\n`);
});

afterAll(async () => {
  await dev?.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

/** Runs README shell text with bash (`set -euo pipefail`), its localhost:8787 pointed at the test server; each line of output parsed as JSON. */
async function runShell(text: string): Promise<unknown[]> {
  expect(text).toContain("http://localhost:8787/");
  const { code, stdout, stderr } = await runBash(text.replaceAll("http://localhost:8787", dev.url), { cwd });
  expect(code, `stderr:\n${stderr}\nserver:\n${dev.logs().slice(-3000)}`).toBe(0);
  return stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("README: A curl session", () => {
  it("prints each answer on its own line, and the run it starts completes on the signal", async () => {
    const answers: any[] = await runShell(SESSION);
    expect(answers).toHaveLength(4);
    const [waiting, signaled, completed, sleepy] = answers;
    expect(waiting).toMatchObject({ workflow: "await-approval", status: "waiting", waitingFor: [expect.objectContaining({ signal: "approval" })] });
    expect(signaled).toMatchObject({ accepted: true, duplicate: false });
    expect(completed).toMatchObject({ runId: waiting.runId, status: "completed", result: { outcome: "approved", by: "ada" } });
    expect(completed).not.toHaveProperty("steps");
    expect(sleepy).toMatchObject({ runId: expect.stringMatching(/^run_/), status: expect.any(String) });
  });
});

describe("README: Agents and threads", () => {
  it("starts every example, reads each result, approves the draft and reads its thread", async () => {
    // The block uses $H from the curl session's first lines.
    const prelude = SESSION.slice(0, SESSION.indexOf("\n\n"));
    expect(prelude).toContain('H="Authorization: Bearer $TOKEN"');
    const answers: any[] = await runShell(`${prelude}\n${AGENTS}`);
    expect(answers).toHaveLength(10);
    const [weather, support, structured, parallel, routing, draft, followUp, signaled, approved, messages] = answers;
    for (const [run, workflow] of [
      [weather, "weather-advice"],
      [support, "support"],
      [structured, "support-structured"],
      [parallel, "parallel-agents"],
      [routing, "dynamic-routing"],
    ]) {
      expect(run).toMatchObject({ workflow, status: "completed" });
    }
    expect(draft).toMatchObject({ workflow: "draft-approval", status: expect.stringMatching(/^(running|waiting)$/) });
    expect(followUp).toMatchObject({ workflow: "follow-up", status: expect.stringMatching(/^(running|sleeping)$/) });
    expect(signaled).toMatchObject({ accepted: true });
    expect(approved).toMatchObject({ runId: draft.runId, status: "completed", result: { postId: expect.any(Number) } });
    expect(messages.messages.length).toBeGreaterThan(0);
  });
});
