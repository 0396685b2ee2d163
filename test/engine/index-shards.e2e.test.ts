// The run index's shard count lowered between two deploys: `wrangler dev` with STEPWISE_INDEX_SHARDS 4,
// runs started, then the same state served with a count of 1. Every run stays listed, in the list, its
// counts and the live counts, and a run started under the new count is listed beside them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { indexShardOf } from "../../src/engine/core/shard-hash.ts";
import { apiOf, TOKEN } from "../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

const persistDir = mkdtempSync(join(tmpdir(), "stepwise-shards-"));
let dev: DevServer | undefined;

afterAll(async () => {
  await dev?.dispose();
  rmSync(persistDir, { recursive: true, force: true });
});

/** Serves the persisted state with `shards` index shards. */
async function serve(shards: string): Promise<ReturnType<typeof apiOf>> {
  await dev?.dispose();
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", persistDir, vars: { API_TOKEN: TOKEN, STEPWISE_INDEX_SHARDS: shards } });
  return apiOf(dev);
}

/** Starts a run of `double` and holds the answer until it ended. */
async function completedRun(api: ReturnType<typeof apiOf>): Promise<string> {
  const res = await api("POST", "/api/workflows/double/runs?wait=10", { args: { n: 2 } });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  expect(res.json.status).toBe("completed");
  return res.json.runId;
}

const listed = async (api: ReturnType<typeof apiOf>): Promise<string[]> =>
  ((await api("GET", "/api/runs?workflow=double&limit=100")).json.runs as { runId: string }[]).map((r) => r.runId).sort();

describe("STEPWISE_INDEX_SHARDS lowered from 4 to 1", () => {
  it("keeps every run listed, and lists the runs started after it too", async () => {
    let api = await serve("4");
    // A hash of each run id picks its shard; the test needs runs above shard 0, which a count of 1 would not read.
    const before = await Promise.all(Array.from({ length: 16 }, () => completedRun(api)));
    expect(before.filter((runId) => indexShardOf(runId, 4) > 0).length).toBeGreaterThan(0);
    expect(await listed(api)).toEqual([...before].sort());

    api = await serve("1");
    expect(await listed(api)).toEqual([...before].sort());
    const after = await completedRun(api);
    expect(await listed(api)).toEqual([...before, after].sort());
    const counts = (await api("GET", "/api/runs?workflow=double&counts=true&limit=1")).json.counts;
    expect(counts).toEqual([{ workflow: "double", status: "completed", count: 17 }]);
  });
});
