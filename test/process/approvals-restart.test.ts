// An approval survives a SIGKILL of `wrangler dev`: the link from the email (written to disk by the
// local send_email binding) still shows the request and decides it after the restart.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

const TOKEN = "test-token";
let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${dev.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}

async function poll<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await get();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never happened\n${dev.logs().slice(-3000)}`);
}

it("keeps a run waiting for approval across a SIGKILL, and its emailed link still decides it", async () => {
  const { runId } = await api("POST", "/api/workflows/approval-gate/runs", { args: { to: "ops@example.com" } });
  await poll("waiting", async () => ((await api("GET", `/api/runs/${runId}?steps=none`)).status === "waiting" ? true : undefined));

  // The local send_email binding writes each message to a file and logs its path.
  const emailFile = await poll("the email", async () => /Text: (\S+\.txt)/.exec(dev.logs())?.[1]);
  const email = readFileSync(emailFile, "utf8");
  expect(email).toContain("release-bot asks for your decision");
  const token = /\/approvals\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(email)![1]!;

  await dev.stop("SIGKILL");
  await dev.restart();

  const view = await fetch(`${dev.url}/approvals/${token}`);
  expect(view.status).toBe(200);
  expect(await view.text()).toContain("Ship the release?");
  const decided = await fetch(`${dev.url}/approvals/${token}`, { method: "POST", body: new URLSearchParams({ decision: "approve" }) });
  expect(decided.status).toBe(200);
  const run = await poll("completion", async () => {
    const r = await api("GET", `/api/runs/${runId}?steps=none`);
    return r.status === "completed" ? r : undefined;
  });
  expect(run.result).toMatchObject({ approved: true, by: "ops@example.com" });
});
