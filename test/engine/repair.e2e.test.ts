// Repairs across a real crash: `wrangler dev` SIGKILLed while a restarted run executes, while a run is
// paused (with a signal accepted and a timer falling due meanwhile), and while runs of two versions of
// one workflow are live; after a restart on the same state every run ends right and nothing ran twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, TOKEN, until as poll } from "../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../helpers/wrangler-dev.ts";

let dev: DevServer;

const api = (method: string, path: string, body?: unknown) => apiOf(dev)(method, path, body);

async function start(workflow: string, args: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api("POST", `/api/workflows/${workflow}/runs`, { args, ...extra });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.runId;
}

const until = (runId: string, done: (run: any) => boolean): Promise<any> =>
  poll(
    `run ${runId}`,
    async () => {
      const res = await api("GET", `/api/runs/${runId}`);
      if (res.status !== 200) throw new Error(`GET answered ${res.status}: ${JSON.stringify(res.json)}`);
      return res.json;
    },
    done,
    60_000,
    () => dev.logs(),
  );

async function counts(key: string): Promise<Record<string, number>> {
  const res = await fetch(`${dev.url}/test/probe/counts?prefix=${encodeURIComponent(`${key}/`)}`);
  const raw = (await res.json()) as Record<string, number>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.slice(key.length + 1), v]));
}

async function hit(key: string): Promise<void> {
  expect((await fetch(`${dev.url}/test/probe/hit?key=${encodeURIComponent(key)}`, { method: "POST" })).status).toBe(200);
}

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await dev?.dispose();
});

describe("repairs across a SIGKILL of wrangler dev", () => {
  it("ends a restarted run, a paused run and runs of two versions right after a kill and a restart", async () => {
    const key = `e2e-repair-${Date.now()}`;

    // A run that failed at its gate, restarted from its slow step after the fix; killed while that step works.
    const failed = await start("repair.gated-slow", { key: `${key}-restart`, ms: 4_000 });
    await until(failed, (r) => r.status === "failed");
    await hit(`${key}-restart/fixed`);
    const restart = await api("POST", `/api/runs/${failed}/restart`, { fromStep: "slow" });
    expect(restart.status, JSON.stringify(restart.json)).toBe(201);
    const restarted: string = restart.json.runId;
    await until(restarted, (r) => r.steps.some((s: any) => s.name === "slow" && s.status === "running"));

    // A run paused in its 2 s nap, which falls due while paused (and down); a signal buffered meanwhile.
    const paused = await start("repair.sleep-wait-mark", { key: `${key}-pause`, ms: 2_000 });
    const napping = await until(paused, (r) => r.status === "sleeping");
    const wakeAt: number = napping.waitingFor[0].until;
    expect((await api("POST", `/api/runs/${paused}/pause`)).status).toBe(200);
    expect((await api("POST", `/api/runs/${paused}/signals/go`, { payload: "while paused" })).status).toBe(202);

    // Runs of two versions of one workflow, both waiting.
    const onV1 = await start("repair.versioned", { key: `${key}-v` }, { version: 1 });
    const onV2 = await start("repair.versioned", { key: `${key}-v` });
    await until(onV1, (r) => r.status === "waiting" && r.version === 1);
    await until(onV2, (r) => r.status === "waiting" && r.version === 2);

    await dev.stop("SIGKILL");
    await dev.restart();

    // The restarted run finishes on its own (the killed attempt of the slow step runs again).
    const done = await until(restarted, (r) => r.completedAt !== null);
    expect(done).toMatchObject({ status: "completed", restartOf: failed, restartFromStep: 1 });
    expect((await until(failed, () => true)).restartedAs).toBe(restarted);
    expect(await counts(`${key}-restart`)).toEqual({ first: 1, slow: 3, gate: 2, fixed: 1 });

    // Still paused once its nap is past due: the timer waits for the resume, the signal stays buffered.
    const stillPaused = await until(paused, () => Date.now() > wakeAt + 500);
    expect(stillPaused.status).toBe("paused");
    expect(stillPaused.steps.map((s: any) => [s.name, s.status])).toEqual([["nap", "sleeping"]]);
    expect(await counts(`${key}-pause`)).toEqual({});
    expect((await api("POST", `/api/runs/${paused}/resume`)).status).toBe(200);
    expect(await until(paused, (r) => r.completedAt !== null)).toMatchObject({ status: "completed", result: "while paused" });
    expect(await counts(`${key}-pause`)).toEqual({ after: 1 });

    // Each version's run ends on its own code.
    expect((await api("POST", `/api/runs/${onV1}/signals/go`, { payload: "a" })).status).toBe(202);
    expect((await api("POST", `/api/runs/${onV2}/signals/go`, { payload: "b" })).status).toBe(202);
    expect(await until(onV1, (r) => r.completedAt !== null)).toMatchObject({ status: "completed", result: "v1:a", version: 1 });
    expect(await until(onV2, (r) => r.completedAt !== null)).toMatchObject({ status: "completed", result: "v2:b", version: 2 });
    expect(await counts(`${key}-v`)).toEqual({ v1: 1, "v2-first": 1 });
  });
});
