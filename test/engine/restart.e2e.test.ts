// The real thing: `wrangler dev` on a fresh persist folder, runs in a sleep, a signal wait and a slow
// action, SIGKILL of the whole process group, a restart on the same state, and every run finishing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, TOKEN, until as poll } from "../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

let dev: DevServer;

const api = (method: string, path: string, body?: unknown) => apiOf(dev)(method, path, body);

async function start(workflow: string, args: unknown): Promise<string> {
  const res = await api("POST", `/api/workflows/${workflow}/runs`, { args });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.runId;
}

/** Polls a run until `done` holds (real processes: no alarm to fire by hand). */
const until = (runId: string, done: (run: any) => boolean): Promise<any> =>
  poll(
    `run ${runId}`,
    async () => (await api("GET", `/api/runs/${runId}`)).json,
    done,
    60_000,
    () => dev.logs(),
  );

/**
 * Polls the run list (the index) until the run has `status`. Unlike GET /api/runs/:id, this never
 * calls the run's object, so only its own alarms (timers, the watchdog) can have brought it back.
 */
const untilListed = (runId: string, status: string): Promise<unknown> =>
  poll(
    `run ${runId} listed as ${status}`,
    async () => ((await api("GET", "/api/runs?limit=100")).json as { runs: { runId: string; status: string }[] }).runs.find((r) => r.runId === runId),
    (r) => r?.status === status,
    60_000,
    () => dev.logs(),
  );

async function counts(runId: string): Promise<Record<string, number>> {
  const res = await fetch(`${dev.url}/test/probe/counts?prefix=${encodeURIComponent(runId + "/")}`);
  const raw = (await res.json()) as Record<string, number>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.slice(runId.length + 1), v]));
}

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

describe("SIGKILL of wrangler dev and restart on the same state", () => {
  it("finishes every run with the right result, without re-running completed steps or losing a signal", async () => {
    const sleeping = await start("sleeper", { ms: 6_000 });
    const waiting = await start("waiter", { timeout: 600_000 });
    const buffered = await start("sleep-then-wait", { ms: 5_000 });
    const slow = await start("slow-action", { ms: 4_000 });

    await until(sleeping, (r) => r.status === "sleeping");
    await until(waiting, (r) => r.status === "waiting");
    await until(buffered, (r) => r.status === "sleeping");
    // The signal arrives during the sleep: accepted (202) and buffered before the kill.
    expect((await api("POST", `/api/runs/${buffered}/signals/go`, { payload: { early: true } })).status).toBe(202);
    await until(slow, (r) => r.steps.some((s: any) => s.name === "slow" && s.status === "running"));
    expect((await counts(slow))["slow-attempt"]).toBe(1);

    await dev.stop("SIGKILL");
    await dev.restart();

    // The waiting run gets its signal after the restart.
    expect((await api("POST", `/api/runs/${waiting}/signals/go`, { payload: "after restart" })).status).toBe(202);
    // Nothing reads the other runs until the index lists them completed: their alarms (the sleep's
    // timer, the slow action's watchdog) woke them, not a request.
    for (const runId of [sleeping, buffered, slow]) await untilListed(runId, "completed");

    expect((await until(sleeping, (r) => r.status === "completed")).result).toBe("woke");
    expect((await until(waiting, (r) => r.status === "completed")).result).toEqual(["after restart"]);
    expect((await until(buffered, (r) => r.status === "completed")).result).toEqual({ early: true });
    const slowRun = await until(slow, (r) => r.status === "completed");
    expect(slowRun.result).toBe("slow done");

    // Completed steps ran once; the step the kill interrupted ran again (at-least-once), once.
    expect(await counts(sleeping)).toEqual({ after: 1, before: 1 });
    expect(await counts(buffered)).toEqual({ before: 1 });
    expect(await counts(slow)).toEqual({ after: 1, before: 1, "slow-attempt": 2 });
    expect(slowRun.steps.find((s: any) => s.name === "slow").attempts).toBe(2);
  });
});
