// GET /api/runs/:runId/history over HTTP: a finished run with every step kind and a child, a live run
// (read without bringing its handler back), signals taken, untaken and refused, and the refusals.
import { evictDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { RunHistory } from "../../../src/engine/index.ts";
import type { AppType } from "../../../src/http/index.ts";
import { call, problemOf, TOKEN } from "../../helpers/http.ts";
import { client, fireUntil, probe, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

async function historyOf(runId: string): Promise<RunHistory> {
  const res = await call("GET", `/api/runs/${runId}/history`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  // SAFETY: the route answers the engine's RunHistory; the tests below check its fields one by one.
  return (await res.json()) as RunHistory;
}

let keys = 0;
const freshKey = (label: string) => `history-${label}-${++keys}-${Date.now()}`;

describe("GET /api/runs/:runId/history", () => {
  it("exports a finished run: every step kind with its args, result and detail decoded, and the signal it took", async () => {
    const { runId, stub } = await startRun("every-kind", { who: "Ada" });
    await fireUntil(stub, (v) => v.status === "waiting");
    await client.signalRun(runId, "go", { ok: 1 });
    const finished = await fireUntil(stub, (v) => v.status === "completed");

    const h = await historyOf(runId);
    expect(h).toMatchObject({
      format: "stepwise.history/1",
      runId,
      workflow: "every-kind",
      version: 1,
      status: "completed",
      args: { who: "Ada" },
      result: finished.result,
      createdAt: finished.createdAt,
      completedAt: finished.completedAt,
      patches: [],
    });
    expect(h.exportedAt).toBeGreaterThanOrEqual(h.completedAt!);
    expect("error" in h).toBe(false);
    expect(h.steps.map((s) => [s.seq, s.kind, s.name, s.status])).toEqual(finished.steps!.map((s) => [s.seq, s.kind, s.name, s.status]));
    const [action, mutation, , sleep, , wait, child, now] = h.steps;
    expect(action).toEqual({
      seq: 0,
      name: "record",
      kind: "action",
      status: "completed",
      attempts: 1,
      args: { key: "action", value: "hi Ada" },
      result: "hi Ada",
      startedAt: expect.any(Number),
      completedAt: expect.any(Number),
    });
    expect(mutation).toMatchObject({ args: { amount: 5 }, result: { key: `${runId}:1`, amount: 5 } });
    // A sleep journals no args and no result: the keys are absent, not null.
    expect(Object.keys(sleep!).sort()).toEqual(["attempts", "completedAt", "kind", "name", "seq", "startedAt", "status"]);
    expect(wait).toMatchObject({ kind: "signal", result: { ok: 1 }, detail: { signal: "go", timeoutAt: expect.any(Number) } });
    expect(child).toMatchObject({ kind: "workflow", args: { n: 21 }, result: 42, detail: { childRunId: `${runId}.6`, workflow: "double" } });
    expect(now!.result).toBe((finished.result as { now: number }).now);
    expect(h.signals).toEqual([{ name: "go", payload: { ok: 1 }, receivedAt: expect.any(Number), takenBy: wait!.seq }]);

    // The child is a run of its own, with a history of its own.
    const childHistory = await historyOf(`${runId}.6`);
    expect(childHistory).toMatchObject({ workflow: "double", status: "completed", args: { n: 21 }, result: 42 });
    expect(childHistory.steps.map((s) => [s.kind, s.name, s.result])).toEqual([["action", "record", 42]]);
  });

  it("exports a live run where it waits, without bringing a parked run's handler back", async () => {
    const key = freshKey("live");
    const { runId, stub, status } = await startRun("history.counted", { key });
    expect(status).toBe("waiting");
    expect(await probe().count(`${key}/handler`)).toBe(1);
    await evictDurableObject(stub);

    const h = await historyOf(runId);
    expect(h).toMatchObject({ status: "waiting", completedAt: null, args: { key } });
    expect("result" in h).toBe(false);
    expect(h.steps).toEqual([
      {
        seq: 0,
        name: "go",
        kind: "signal",
        status: "waiting",
        attempts: 1,
        detail: { signal: "go", timeoutAt: expect.any(Number) },
        startedAt: expect.any(Number),
        completedAt: null,
      },
    ]);
    // The export was a read only: the handler did not run from the top again. A describe does revive it.
    expect(await probe().count(`${key}/handler`)).toBe(1);
    await client.getRun(runId);
    await settle(stub);
    expect(await probe().count(`${key}/handler`)).toBe(2);
  });

  it("lists every signal the run accepted: the one a wait took, and one no wait took", async () => {
    const key = freshKey("signals");
    const { runId } = await client.startRun("replay.changed", { key }, { version: 1 });
    await settle(runStub(runId));
    await client.signalRun(runId, "unrelated", { n: 1 });
    await client.signalRun(runId, "go", "yes");
    await settle(runStub(runId));

    const h = await historyOf(runId);
    expect(h).toMatchObject({ workflow: "replay.changed", version: 1, status: "completed" });
    expect(h.signals).toEqual([
      { name: "unrelated", payload: { n: 1 }, receivedAt: expect.any(Number), takenBy: null },
      { name: "go", payload: "yes", receivedAt: expect.any(Number), takenBy: 1 },
    ]);
  });

  it("marks a buffered signal the wait refused (its schema), and one sent without a payload has none", async () => {
    const { runId, stub } = await startRun("typed-wait", { sleepFirst: 60_000 });
    for (const payload of [{ approved: "maybe" }, undefined, { approved: true, by: "carol" }]) await client.signalRun(runId, "decision", payload);
    await fireUntil(stub, (v) => v.status === "completed");

    const h = await historyOf(runId);
    const wait = h.steps.find((s) => s.kind === "signal")!;
    expect(h.signals.map(({ receivedAt: _at, ...s }) => s)).toEqual([
      { name: "decision", payload: { approved: "maybe" }, takenBy: wait.seq, refused: true },
      { name: "decision", takenBy: wait.seq, refused: true },
      { name: "decision", payload: { approved: true, by: "carol" }, takenBy: wait.seq },
    ]);
  });

  it("exports a failed run with its error, and the failed step's error as journaled", async () => {
    const { runId, stub } = await startRun("flaky", { failures: 0, nonRetryable: true });
    expect((await view(stub)).status).toBe("failed");
    const h = await historyOf(runId);
    expect(h).toMatchObject({ status: "failed", error: { code: "test.permanent", message: "this will never work" } });
    expect(Object.keys(h.error!).sort()).toEqual(["code", "message"]);
    expect(h.steps).toEqual([
      expect.objectContaining({ status: "failed", error: { code: "test.permanent", message: "this will never work", retryable: false } }),
    ]);
  });

  it("answers 404 run.not_found for a run that does not exist, and 401 without the token", async () => {
    const missing = await call("GET", "/api/runs/run_nobody_here/history");
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe("run.not_found");

    const { runId } = await startRun("double", { n: 1 });
    const anonymous = await exports.default.fetch(new Request(`http://stepwise.test/api/runs/${runId}/history`));
    expect(anonymous.status).toBe(401);
    expect((await problemOf(anonymous)).code).toBe("auth.missing_token");
  });

  it("is in the OpenAPI document and typed for hc<AppType>", async () => {
    const doc = (await (await exports.default.fetch(new Request("http://stepwise.test/api/openapi.json"))).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: object } }> }> }>>;
    };
    const op = doc.paths["/api/runs/{runId}/history"]!.get!;
    expect(Object.keys(op.responses)).toEqual(["200", "400", "401", "404"]);
    expect(Object.keys(op.responses["200"]!.content!["application/json"]!.schema.properties!)).toEqual(
      expect.arrayContaining(["format", "steps", "patches", "signals"]),
    );

    const api = hc<AppType>("http://stepwise.test", {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const { runId } = await startRun("double", { n: 2 });
    const body = await (await api.api.runs[":runId"].history.$get({ param: { runId } })).json();
    expectTypeOf(body).toHaveProperty("steps");
    expect(body).toMatchObject({ runId, workflow: "double", result: 4 });
  });
});
