// The repair routes from real requests: restart, pause and resume, a start on a chosen version and
// retention, GET /api/workflows' versions. Each refusal is problem+json with its code and the failing
// body paths, and leaves the run as it was and makes no new run.
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { hc } from "hono/client";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { AppType } from "../../../src/http/app.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { client, probe, runStub, settle, view } from "../../helpers/runtime.ts";
import { readSse } from "../../helpers/sse.ts";
import { stepwise } from "../../worker.ts";

type Started = { runId: string; status: string };
type Restarted = { runId: string; restartOf: string; fromStep: number; version: number; status: string };
type Workflows = {
  workflows: {
    name: string;
    version: number;
    args: { properties: Record<string, unknown> };
    versions: { version: number; deployed: boolean; liveRuns: number }[];
  }[];
};

/** Starts repair-http over HTTP and waits until it is quiet: by default it fails at step 1 ("second"). */
async function startRepair(args: Record<string, unknown> = {}, body: Record<string, unknown> = {}): Promise<{ runId: string; key: string }> {
  const key = crypto.randomUUID();
  const res = await call("POST", "/api/workflows/repair-http/runs", { args: { key, ...args }, ...body });
  expect(res.status).toBe(201);
  const { runId } = (await res.json()) as Started;
  await settle(runStub(runId));
  return { runId, key };
}

async function read(runId: string) {
  const res = await call("GET", `/api/runs/${runId}?steps=none`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The run's observable state, for "nothing changed" checks (its events included). */
async function snapshot(runId: string) {
  const run = await read(runId);
  const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 1000);
  return { run, events: events.map((e) => e.type) };
}

describe("POST /api/runs/:runId/restart", () => {
  it("retries a failed run from its first unfinished step as a new linked run; the steps before it never run again", async () => {
    const { runId } = await startRepair();
    expect(await read(runId)).toMatchObject({ status: "failed", version: 2, error: { code: "test.first_time" } });

    const res = await call("POST", `/api/runs/${runId}/restart`);
    expect(res.status).toBe(201);
    const restarted = (await res.json()) as Restarted;
    expect(restarted).toEqual({ runId: `${runId}:r2`, restartOf: runId, fromStep: 1, version: 2, status: expect.any(String) });

    await settle(runStub(restarted.runId));
    expect(await read(restarted.runId)).toMatchObject({
      status: "completed",
      result: { first: "first", second: 2, version: 2 },
      restartOf: runId,
      restartFromStep: 1,
    });
    // Step 0 ran in the first run only; the new run kept its result.
    expect(await probe().count(`${runId}/first`)).toBe(1);
    expect(await probe().count(`${restarted.runId}/first`)).toBe(0);
    // The first run stays readable, failed, and points at its successor, in its view, its events and the list.
    expect(await read(runId)).toMatchObject({ status: "failed", restartedAs: restarted.runId });
    const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 1000);
    expect(events.find((e) => e.type === "run.restarted")?.data).toMatchObject({ restartedAs: restarted.runId, fromStep: 1, version: 2 });
    await expect
      .poll(async () => (await client.listRuns({ workflow: "repair-http", limit: 100 })).runs.find((r) => r.runId === restarted.runId))
      .toMatchObject({ status: "completed", version: 2 });
  });

  it("answers 202 pending when the new run cannot be reached yet, and hands the restart over on the next wake-up", async () => {
    const { runId } = await startRepair();
    env.STEPWISE_FAULTS = "fail=1,only=run.restart";
    try {
      const res = await call("POST", `/api/runs/${runId}/restart`);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ runId: `${runId}:r2`, restartOf: runId, fromStep: 1, version: 2, status: "pending" });
      expect((await call("GET", `/api/runs/${runId}:r2`)).status).toBe(404);
    } finally {
      env.STEPWISE_FAULTS = undefined;
    }
    expect(await runDurableObjectAlarm(runStub(runId))).toBe(true);
    expect(await read(runId)).toMatchObject({ restartedAs: `${runId}:r2` });
    await settle(runStub(`${runId}:r2`));
    expect(await read(`${runId}:r2`)).toMatchObject({ status: "completed", restartOf: runId });
  });

  it("restarts from a step named or numbered, on another version, and refuses the run it already restarted", async () => {
    const { runId } = await startRepair({}, { version: 1 });
    expect(await read(runId)).toMatchObject({ status: "failed", version: 1 });
    const first = (await (await call("POST", `/api/runs/${runId}/restart`, { fromStep: "second", version: 2 })).json()) as Restarted;
    expect(first).toMatchObject({ runId: `${runId}:r2`, fromStep: 1, version: 2 });
    await settle(runStub(first.runId));
    expect(await read(first.runId)).toMatchObject({ status: "completed", version: 2, result: { second: 2, version: 2 } });

    // The first run was restarted already: 409, naming the newer run to restart instead.
    const again = await call("POST", `/api/runs/${runId}/restart`, {});
    expect(again.status).toBe(409);
    expect(await problemOf(again)).toMatchObject({ code: "run.already_restarted", restartedAs: first.runId });

    // A completed run restarts too: from seq 0, every step executes again, in a third run.
    const res = await call("POST", `/api/runs/${first.runId}/restart`, { fromStep: 0 });
    expect(res.status).toBe(201);
    const second = (await res.json()) as Restarted;
    expect(second).toMatchObject({ runId: `${runId}:r3`, restartOf: first.runId, fromStep: 0, version: 2 });
    await settle(runStub(second.runId));
    expect(await read(second.runId)).toMatchObject({ status: "completed", result: { second: 3 } });
    expect(await probe().count(`${second.runId}/first`)).toBe(1);
  });

  it.each([
    ["a negative seq", { fromStep: -1 }, 400, "request.invalid", "/fromStep"],
    ["a fractional seq", { fromStep: 1.5 }, 400, "request.invalid", "/fromStep"],
    ["an empty step name", { fromStep: "" }, 400, "request.invalid", "/fromStep"],
    ["a step that is not an id", { fromStep: { seq: 1 } }, 400, "request.invalid", "/fromStep"],
    ["version 0", { version: 0 }, 400, "request.invalid", "/version"],
    ["a version as text", { version: "2" }, 400, "request.invalid", "/version"],
    ["a seq past the journal", { fromStep: 9 }, 400, "restart.unknown_step", "/fromStep"],
    ["an unknown step name", { fromStep: "nope" }, 400, "restart.unknown_step", "/fromStep"],
    ["an unregistered version", { version: 9 }, 404, "workflow.version_not_found", "/version"],
    ["a body that is not JSON", "{fromStep:", 400, "request.malformed_json", undefined],
  ])("refuses %s, and changes nothing", async (_, body, status, code, path) => {
    const { runId } = await startRepair();
    const before = await snapshot(runId);
    const res = await call("POST", `/api/runs/${runId}/restart`, body);
    expect(res.status).toBe(status);
    const p = await problemOf(res);
    expect(p.code).toBe(code);
    if (path !== undefined) expect(p.errors?.map((e) => e.path)).toEqual([path]);
    expect(await snapshot(runId)).toEqual(before);
    expect((await call("GET", `/api/runs/${runId}:r2`)).status).toBe(404);
  });

  it("refuses a step with an unfinished step before it (400 restart.invalid_step) and a live run (409 run.not_finished)", async () => {
    // Canceled while its wait and its sleep (seq 1 and 2) were open: neither has a result to keep.
    const { runId } = await startRepair({ wait: "signal-and-sleep" });
    expect((await call("POST", `/api/runs/${runId}/restart`)).status).toBe(409);
    expect(await problemOf(await call("POST", `/api/runs/${runId}/restart`, { fromStep: 1 }))).toMatchObject({ code: "run.not_finished" });
    expect(await read(runId)).toMatchObject({ status: "waiting" });
    expect((await call("POST", `/api/runs/${runId}/cancel`)).status).toBe(200);
    await settle(runStub(runId));

    const before = await snapshot(runId);
    const res = await call("POST", `/api/runs/${runId}/restart`, { fromStep: 2 });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("restart.invalid_step");
    expect(p.errors?.map((e) => e.path)).toEqual(["/fromStep"]);
    expect(await snapshot(runId)).toEqual(before);
    expect((await call("GET", `/api/runs/${runId}:r2`)).status).toBe(404);

    // From the first open step it is a retry of the canceled run.
    const retried = await call("POST", `/api/runs/${runId}/restart`, { fromStep: 1 });
    expect(retried.status).toBe(201);
    expect(await retried.json()).toMatchObject({ runId: `${runId}:r2`, fromStep: 1 });
  });
});

describe("POST /api/runs/:runId/pause and /resume", () => {
  it("pauses a waiting run, starts no new step until the resume, and says when nothing changed", async () => {
    const { runId } = await client.startRun("waiter", { count: 2, timeout: 3_600_000 });
    const stub = runStub(runId);
    await settle(stub);

    const paused = await call("POST", `/api/runs/${runId}/pause`);
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({ runId, status: "paused", changed: true });
    expect(await read(runId)).toMatchObject({ status: "paused", pausedAt: expect.any(Number) });
    expect(await (await call("POST", `/api/runs/${runId}/pause`)).json()).toEqual({ runId, status: "paused", changed: false });
    await expect.poll(async () => (await client.listRuns({ status: "paused", limit: 100 })).runs.map((r) => r.runId)).toContain(runId);
    const listed = (await (await call("GET", "/api/runs?status=paused&limit=100")).json()) as { runs: { runId: string; status: string }[] };
    expect(listed.runs.find((r) => r.runId === runId)).toMatchObject({ status: "paused" });

    // Signals are accepted while paused: the first ends the open wait, the second is buffered, as the
    // second wait is a new step and does not start until the resume.
    expect((await call("POST", `/api/runs/${runId}/signals/go`, { payload: "a" })).status).toBe(202);
    await settle(stub);
    expect((await call("POST", `/api/runs/${runId}/signals/go`, { payload: "b" })).status).toBe(202);
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "paused", stepCount: 1, waitingFor: [] });

    const resumed = await call("POST", `/api/runs/${runId}/resume`);
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ runId, changed: true });
    await settle(stub);
    expect(await read(runId)).toMatchObject({ status: "completed", result: ["a", "b"], pausedAt: null });
    const events = (await readSse(await call("GET", `/api/runs/${runId}/events`), 1000)).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(["run.paused", "run.resumed", "run.finished"]));
    expect(events.indexOf("run.paused")).toBeLessThan(events.indexOf("run.resumed"));
  });

  it("answers resume on a run that is not paused with changed: false", async () => {
    const { runId } = await client.startRun("waiter", { count: 1, timeout: 3_600_000 });
    await settle(runStub(runId));
    const res = await call("POST", `/api/runs/${runId}/resume`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ runId, status: "waiting", changed: false });
  });

  it.each(["pause", "resume"])("%s: 409 run.already_finished on an ended run, which stays as it was", async (action) => {
    const { runId } = await startRepair();
    const before = await snapshot(runId);
    const res = await call("POST", `/api/runs/${runId}/${action}`);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).code).toBe("run.already_finished");
    expect(await snapshot(runId)).toEqual(before);
  });
});

describe("unknown runs", () => {
  it.each([
    ["restart", "run_missing", 404, "run.not_found"],
    ["pause", "run_missing", 404, "run.not_found"],
    ["resume", "run_missing", 404, "run.not_found"],
    ["restart", "bad%20id", 400, "request.invalid"],
    ["pause", "bad%20id", 400, "request.invalid"],
  ])("%s %s: %i %s, and the id stays unknown", async (action, runId, status, code) => {
    const res = await call("POST", `/api/runs/${runId}/${action}`);
    expect(res.status).toBe(status);
    expect((await problemOf(res)).code).toBe(code);
    if (status === 404) expect((await call("GET", `/api/runs/${runId}`)).status).toBe(404);
  });
});

describe("starting on a version, with a retention", () => {
  it("starts on the newest version by default, or the one asked for", async () => {
    const newest = await startRepair({ wait: "signal" });
    expect(await read(newest.runId)).toMatchObject({ version: 2, status: "waiting" });
    const older = await startRepair({ wait: "signal" }, { version: 1 });
    expect(await read(older.runId)).toMatchObject({ version: 1, status: "waiting" });
  });

  it("keeps a run for the retention it asked for", async () => {
    const res = await call("POST", "/api/workflows/double/runs", { args: { n: 2 }, retentionDays: 1.5 });
    const { runId } = (await res.json()) as Started;
    await settle(runStub(runId));
    const run = await view(runStub(runId), "none");
    expect(run.status).toBe("completed");
    expect(run.expiresAt).toBe(run.completedAt! + 1.5 * 24 * 3_600_000);
  });

  it.each([
    ["an unregistered version", { args: { key: "k" }, version: 9 }, 404, "workflow.version_not_found", "/version"],
    ["version 0", { args: { key: "k" }, version: 0 }, 400, "request.invalid", "/version"],
    ["a negative retention", { args: { key: "k" }, retentionDays: -1 }, 400, "request.invalid", "/retentionDays"],
    ["a retention over 100 years", { args: { key: "k" }, retentionDays: 40_000 }, 400, "request.invalid", "/retentionDays"],
  ])("refuses %s, and starts nothing", async (_, body, status, code, path) => {
    const ids = async () => (await client.listRuns({ workflow: "repair-http", limit: 100 })).runs.map((r) => r.runId);
    const before = await ids();
    const res = await call("POST", "/api/workflows/repair-http/runs", body);
    expect(res.status).toBe(status);
    const p = await problemOf(res);
    expect(p.code).toBe(code);
    expect(p.errors?.map((e) => e.path)).toEqual([path]);
    expect(await ids()).toEqual(before);
  });
});

describe("GET /api/workflows", () => {
  it("lists each version with its live runs, including a version no longer deployed that still has some", async () => {
    const versionsNow = async () => {
      const body = (await (await call("GET", "/api/workflows")).json()) as Workflows;
      return body.workflows.find((w) => w.name === "repair-http")!;
    };
    const before = await versionsNow();
    expect(before.version).toBe(2);
    expect(Object.keys(before.args.properties)).toEqual(["key", "wait", "note"]);
    expect(before.versions.map((v) => [v.version, v.deployed])).toEqual([
      [1, true],
      [2, true],
    ]);
    const live = (v: Workflows["workflows"][number], version: number) => v.versions.find((x) => x.version === version)?.liveRuns ?? 0;

    await startRepair({ wait: "signal" }, { version: 1 });
    await startRepair({ wait: "signal" });
    await startRepair({ wait: "signal" });
    await expect.poll(async () => [live(await versionsNow(), 1), live(await versionsNow(), 2)]).toEqual([live(before, 1) + 1, live(before, 2) + 2]);

    // A run on version 7, which this deployment no longer has (its entry made by hand in the index).
    const index = env.RUN_INDEX.getByName("global");
    const ghost = `ghost-${crypto.randomUUID()}`;
    await index.upsert({ runId: ghost, workflow: "repair-http", status: "paused", createdAt: 1, updatedAt: 1, version: 1, workflowVersion: 7 });
    expect((await versionsNow()).versions.at(-1)).toEqual({ version: 7, deployed: false, liveRuns: 1 });
    // Once it is gone (its retention ended), version 7 is not listed at all.
    await index.remove(ghost);
    expect((await versionsNow()).versions.map((v) => v.version)).toEqual([1, 2]);
  });
});

describe("OpenAPI and the typed client", () => {
  it("documents every /api route the app serves", async () => {
    const doc = (await (await exports.default.fetch(new Request("http://stepwise.test/api/openapi.json"))).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const served = stepwise.app.routes
      .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/") && !["/api/openapi.json", "/api/docs"].includes(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replaceAll(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(new Set(served)).toEqual(new Set(documented));
    expect(Object.keys(doc.paths["/api/runs/{runId}/restart"]!.post!.responses)).toEqual(["201", "202", "400", "401", "404", "409", "413"]);
  });

  it("restarts, pauses and resumes with hc<AppType>", async () => {
    const api = hc<AppType>("http://stepwise.test", {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
      headers: { authorization: "Bearer test-token" },
    });
    const { runId } = await startRepair();
    const res = await api.api.runs[":runId"].restart.$post({ param: { runId }, json: { fromStep: "second" } });
    expect(res.status).toBe(201);
    const restarted = await res.json();
    expectTypeOf(restarted).toHaveProperty("restartOf");
    expect(restarted.restartOf).toBe(runId);

    const live = await startRepair({ wait: "signal" });
    const paused = await (await api.api.runs[":runId"].pause.$post({ param: { runId: live.runId } })).json();
    expectTypeOf(paused).toHaveProperty("changed");
    expect(paused).toMatchObject({ status: "paused", changed: true });
    const resumed = await (await api.api.runs[":runId"].resume.$post({ param: { runId: live.runId } })).json();
    expect(resumed).toMatchObject({ changed: true });
  });
});
