// The app's data on a real `wrangler dev`: the helper applies migrations/ to the server's persist dir
// (as `npm start` does), a support run's notification lands in local D1 once, and the row is on disk
// where `wrangler d1 execute DB --local --persist-to <dir>` (the README's command) reads it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiOf, TOKEN, until } from "../helpers/dev-api.ts";
import { runWrangler, startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

const CONFIG = "test/wrangler.test.toml";
let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ config: CONFIG, vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

/** Runs `wrangler d1 execute DB --local` on the server's persist dir; the rows of its one statement. */
async function d1Execute(sql: string): Promise<Record<string, unknown>[]> {
  const { code, stdout, stderr } = await runWrangler([
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    dev.persistDir,
    "--config",
    CONFIG,
    "--json",
    "--command",
    sql,
  ]);
  expect(code, `wrangler d1 execute failed:\n${stdout}\n${stderr}`).toBe(0);
  const [result] = JSON.parse(stdout) as { results: Record<string, unknown>[] }[];
  return result!.results;
}

it("a support run's notification lands in local D1 once, where the README's command finds it", async () => {
  const api = apiOf(dev);
  const started = await api("POST", "/api/workflows/support/runs", { args: { prompt: "My export keeps failing.", userId: "e2e-ada" } });
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  const runId: string = started.json.runId;
  const run = await until(
    "the support run finished",
    () => api("GET", `/api/runs/${runId}`).then((r) => r.json),
    (r) => r.status === "completed" || r.status === "failed",
    60_000,
    () => dev.logs(),
  );
  expect(run.status, JSON.stringify(run.error)).toBe("completed");
  const { notificationId } = run.result.notification;

  // Read through the Worker while it runs...
  const live = await fetch(`${dev.url}/test/app-data/notifications?run=${encodeURIComponent(runId)}`).then((r) => r.json());
  expect(live).toEqual([{ id: notificationId, idempotency_key: `${runId}:3`, user_id: "e2e-ada", message: run.result.text, created_at: expect.any(String) }]);

  // ...and from the database file once it has stopped, as a developer would look at it.
  await dev.stop();
  const rows = await d1Execute(`SELECT id, user_id, message FROM notifications WHERE idempotency_key = '${runId}:3'`);
  expect(rows).toEqual([{ id: notificationId, user_id: "e2e-ada", message: run.result.text }]);
  const applied = await d1Execute("SELECT name FROM d1_migrations");
  expect(applied).toEqual([{ name: "0001_app_data.sql" }]);
});
