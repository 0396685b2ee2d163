// An approval survives a SIGKILL of `wrangler dev`: the link from the email (written to disk by the
// local send_email binding) still shows the request and decides it after the restart.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiOf, TOKEN, until } from "../../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../../helpers/wrangler-dev.ts";

let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

const api = async (method: string, path: string, body?: unknown) => (await apiOf(dev)(method, path, body)).json;
const poll = <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean) => until(what, read, done, 30_000, () => dev.logs());

it("keeps a run waiting for approval across a SIGKILL, and its emailed link still decides it", async () => {
  const { runId } = await api("POST", "/api/workflows/approval-gate/runs", { args: { to: "ops@example.com" } });
  await poll(
    "waiting",
    () => api("GET", `/api/runs/${runId}?steps=none`),
    (r) => r.status === "waiting",
  );

  // The local send_email binding writes each message to a file and logs its path.
  const emailFile = (await poll(
    "the email",
    async () => /Text: (\S+\.txt)/.exec(dev.logs())?.[1],
    (f) => f !== undefined,
  ))!;
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
  const run = await poll(
    "completion",
    () => api("GET", `/api/runs/${runId}?steps=none`),
    (r) => r.status === "completed",
  );
  expect(run.result).toMatchObject({ approved: true, by: "ops@example.com" });
});
