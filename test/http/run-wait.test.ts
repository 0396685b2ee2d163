// GET /api/runs/:runId?wait=<seconds>: the status read that answers once the run has ended, or when the
// wait is over with the run as it is then. Real requests through the Worker to real run objects.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { idempotentRunId } from "../../src/engine/client.ts";
import { call, problemOf } from "../helpers/http.ts";
import { runStub, settle } from "../helpers/runtime.ts";

async function startWaiting(): Promise<string> {
  const res = await call("POST", "/api/workflows/await-approval/runs", { args: { request: "ship it", timeoutMs: 3_600_000 } });
  expect(res.status).toBe(201);
  const { runId } = (await res.json()) as { runId: string };
  await settle(runStub(runId));
  return runId;
}

/** A request and whether it has answered yet. */
function tracked(res: Promise<Response>): { res: Promise<Response>; answered: () => boolean } {
  let answered = false;
  void res.then(
    () => (answered = true),
    () => (answered = true),
  );
  return { res, answered: () => answered };
}

async function statusOf(runId: string): Promise<string> {
  const res = await call("GET", `/api/runs/${runId}?steps=none`);
  return ((await res.json()) as { status: string }).status;
}

describe("GET /api/runs/:runId?wait=", () => {
  it("holds the answer while the run waits, and answers with the result once a signal ends it", async () => {
    const runId = await startWaiting();
    const waited = tracked(call("GET", `/api/runs/${runId}?steps=none&wait=30`));
    // Another read goes through meanwhile: the run is still waiting, and the held read has not answered.
    expect(await statusOf(runId)).toBe("waiting");
    expect(waited.answered()).toBe(false);

    const signal = await call("POST", `/api/runs/${runId}/signals/approval`, { payload: { approved: true, by: "ada" } });
    expect(signal.status).toBe(202);
    const res = await waited.res;
    expect(res.status).toBe(200);
    const run = (await res.json()) as Record<string, unknown>;
    expect(run).toMatchObject({ runId, status: "completed", result: { request: "ship it", outcome: "approved", by: "ada" } });
    expect(run.steps).toBeUndefined();
  });

  it("answers with the journal when asked for it, once the alarm that ends a sleep has fired", async () => {
    const start = await call("POST", "/api/workflows/sleepy-greeting/runs", { args: { name: "Ada", sleepMs: 300 } });
    const { runId } = (await start.json()) as { runId: string };
    const waited = tracked(call("GET", `/api/runs/${runId}?wait=30`));
    expect(await statusOf(runId)).toBe("sleeping");
    expect(waited.answered()).toBe(false);

    // Nothing else touches the run: its own alarm wakes it, and the held read answers with the end.
    const run = (await (await waited.res).json()) as { status: string; result: { greeting: string }; steps: { name: string; status: string }[] };
    expect(run.status).toBe("completed");
    expect(run.result.greeting).toBe("Hello, Ada! I slept 300 ms.");
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ["prepare", "completed"],
      ["nap", "completed"],
      ["greet", "completed"],
      ["now", "completed"],
    ]);
  });

  it("answers a canceled run's waiters with its end", async () => {
    const runId = await startWaiting();
    const first = tracked(call("GET", `/api/runs/${runId}?steps=none&wait=30`));
    const second = tracked(call("GET", `/api/runs/${runId}?steps=none&wait=45.5`));
    expect(await statusOf(runId)).toBe("waiting");
    expect([first.answered(), second.answered()]).toEqual([false, false]);

    expect((await call("POST", `/api/runs/${runId}/cancel`)).status).toBe(200);
    for (const w of [first, second]) expect(await (await w.res).json()).toMatchObject({ runId, status: "canceled" });
  });

  it("answers with the run as it is when the wait is over before the run", async () => {
    const runId = await startWaiting();
    const t0 = Date.now();
    const res = await call("GET", `/api/runs/${runId}?steps=none&wait=0.3`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ runId, status: "waiting", completedAt: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("answers an ended run at once, and wait=0 is a plain read", async () => {
    const runId = await startWaiting();
    expect((await call("POST", `/api/runs/${runId}/cancel`)).status).toBe(200);
    // A held read would outlast the test's timeout: these answer without waiting.
    expect(await (await call("GET", `/api/runs/${runId}?steps=none&wait=60`)).json()).toMatchObject({ status: "canceled" });
    const waiting = await startWaiting();
    expect(await (await call("GET", `/api/runs/${waiting}?steps=none&wait=0`)).json()).toMatchObject({ status: "waiting" });
  });

  it.each([
    ["over 60 seconds", "wait=61"],
    ["negative", "wait=-1"],
    ["not a number", "wait=soon"],
  ])("refuses a wait %s with a 400 naming it, and changes nothing", async (_, query) => {
    const runId = await startWaiting();
    const res = await call("GET", `/api/runs/${runId}?steps=none&${query}`);
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe("request.invalid");
    expect(problem.errors?.map((e) => e.path)).toEqual(["/wait"]);
    expect(await statusOf(runId)).toBe("waiting");
  });

  it("answers 404 for a run that does not exist, without waiting", async () => {
    const res = await call("GET", "/api/runs/run_nope?wait=60");
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe("run.not_found");
  });
});

describe("POST /api/workflows/:name/runs?wait=", () => {
  it("answers once the new run has ended, with the run as a status read gives it", async () => {
    const res = await call("POST", "/api/workflows/sleepy-greeting/runs?wait=30", { args: { name: "Ada", sleepMs: 300 } });
    expect(res.status).toBe(201);
    const run = (await res.json()) as { runId: string; status: string; result: { greeting: string }; completedAt: number | null; steps?: unknown };
    expect(run).toMatchObject({ status: "completed", result: { greeting: "Hello, Ada! I slept 300 ms." } });
    expect(run.completedAt).toEqual(expect.any(Number));
    expect(run.steps).toBeUndefined();
    expect(await statusOf(run.runId)).toBe("completed");
  });

  it("answers with the run as it is when the wait is over, and the run goes on", async () => {
    const t0 = Date.now();
    const res = await call("POST", "/api/workflows/await-approval/runs?wait=0.3", { args: { request: "ship it", timeoutMs: 3_600_000 } });
    expect(res.status).toBe(201);
    const run = (await res.json()) as { runId: string };
    expect(run).toMatchObject({ status: "waiting", completedAt: null, waitingFor: [expect.objectContaining({ signal: "approval" })] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await call("POST", `/api/runs/${run.runId}/signals/approval`, { payload: { approved: true, by: "ada" } })).status).toBe(202);
    const ended = await call("GET", `/api/runs/${run.runId}?steps=none&wait=30`);
    expect(await ended.json()).toMatchObject({ status: "completed", result: { outcome: "approved" } });
  });

  it("holds a repeated start's answer too: the first run, as it is once it has ended", async () => {
    const key = { "idempotency-key": `held-${crypto.randomUUID()}` };
    const args = { args: { request: "ship it", timeoutMs: 3_600_000 } };
    const first = await call("POST", "/api/workflows/await-approval/runs?wait=0", args, key);
    expect(first.status).toBe(201);
    const { runId } = (await first.json()) as { runId: string };
    const again = tracked(call("POST", "/api/workflows/await-approval/runs?wait=30", args, key));
    expect(await statusOf(runId)).toBe("waiting");
    expect(again.answered()).toBe(false);

    expect((await call("POST", `/api/runs/${runId}/signals/approval`, { payload: { approved: false, by: "bo" } })).status).toBe(202);
    const res = await again.res;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ runId, status: "completed", result: { outcome: "rejected" } });
  });

  it("answers with the start's runId and status when the held wait is cut short by a restart of the run's object", async () => {
    const key = `cut-${crypto.randomUUID()}`;
    const runId = await idempotentRunId("await-approval", key);
    const held = tracked(
      call("POST", "/api/workflows/await-approval/runs?wait=30", { args: { request: "ship it", timeoutMs: 3_600_000 } }, { "idempotency-key": key }),
    );
    await vi.waitFor(async () => expect(await statusOf(runId)).toBe("waiting"));
    expect(held.answered()).toBe(false);

    await runInDurableObject(runStub(runId), (_instance, state) => state.abort("a deploy")).catch(() => {});
    const res = await held.res;
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ runId, status: "running" });
    // Nothing was lost: the restarted object has the run, still waiting for its approval.
    expect(await statusOf(runId)).toBe("waiting");
  });

  it.each([
    ["over 60 seconds", "wait=61"],
    ["negative", "wait=-1"],
    ["not a number", "wait=soon"],
  ])("refuses a wait %s with a 400 naming it, and starts nothing", async (_, query) => {
    const key = { "idempotency-key": `refused-${crypto.randomUUID()}` };
    const args = { args: { request: "ship it", timeoutMs: 3_600_000 } };
    const res = await call("POST", `/api/workflows/await-approval/runs?${query}`, args, key);
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe("request.invalid");
    expect(problem.errors?.map((e) => e.path)).toEqual(["/wait"]);
    // The key was never used: the same start now creates its run.
    expect((await call("POST", "/api/workflows/await-approval/runs", args, key)).status).toBe(201);
  });
});
