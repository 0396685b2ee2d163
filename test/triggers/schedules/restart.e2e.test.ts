// A schedule under a real crash: `wrangler dev` with a schedule every 5 seconds (6-field cron), the whole
// process group SIGKILLed just before an instant is due, a restart on the same persist dir. The persisted
// alarm fires after the restart: the latest missed instant starts once (catch-up "latest"), no instant
// starts two runs, and the schedule goes on firing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, until as poll } from "../../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../../helpers/wrangler-dev.ts";

const NAME = "e2e-every-5s";
const PERIOD_MS = 5_000;
let dev: DevServer;
let api: ReturnType<typeof apiOf>;

const until = <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000) => poll(what, read, done, timeoutMs, () => dev.logs());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fire {
  instant: number;
  runId: string | null;
  outcome: string;
  manual: boolean;
}
const schedule = async () => (await api("GET", `/api/schedules/${NAME}`)).json as { nextFireAt: number; recentFires: Fire[] };
const started = (fires: Fire[]) => fires.filter((f) => f.outcome === "started");

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml" });
  api = apiOf(dev);
});

afterAll(async () => {
  await dev?.dispose();
});

describe("a schedule killed just before its instant", () => {
  it("fires the missed instant once after the restart, never one instant twice, and goes on", { timeout: 60_000 }, async () => {
    const created = await api("POST", "/api/schedules", { name: NAME, workflow: "sleeper", cron: "*/5 * * * * *", args: { ms: 1 }, overlap: "allow" });
    expect(created.status).toBe(201);
    const first = await until("a first fire", schedule, (s) => started(s.recentFires).length >= 1);

    // Kill ~1 s before an instant: its alarm is set, and never rings in this process. The next instant
    // when it is at least 2 s away, else the one after it (a busy machine took 0.5 s to kill the process).
    let due = first.nextFireAt;
    if (due - Date.now() < 2_000) due += PERIOD_MS;
    const wait = due - 1_000 - Date.now();
    if (wait > 0) await sleep(wait);
    await dev.stop("SIGKILL");
    const killedAt = Date.now();
    expect(killedAt).toBeLessThan(due);
    await dev.restart();
    const restartedAt = Date.now();

    // The persisted alarm rings after the restart; the catch-up start and then a regular one follow.
    const after = await until(
      "fires after the restart",
      schedule,
      (s) => started(s.recentFires).filter((f) => f.instant > restartedAt).length >= 1 && started(s.recentFires).some((f) => f.instant >= due),
    );
    const fires = [...after.recentFires].reverse();
    // The newest instant due at the restart started once; any older ones missed while down are recorded as missed.
    const caughtUp = started(fires).find((f) => f.instant >= due)!;
    expect(caughtUp.instant).toBeLessThanOrEqual(restartedAt + PERIOD_MS);
    for (const f of fires.filter((x) => x.instant >= due && x.instant < caughtUp.instant)) expect(f.outcome).toBe("missed");
    const run = (await api("GET", `/api/runs/${caughtUp.runId}?steps=none`)).json;
    expect(run.createdAt).toBeGreaterThanOrEqual(killedAt);

    // No instant fired twice: one fire row and one run per instant.
    const instants = fires.map((f) => f.instant);
    expect(new Set(instants).size).toBe(instants.length);
    const runs = await until(
      "the run index lists the runs",
      async () => (await api("GET", `/api/runs?q=${encodeURIComponent(`sched:${NAME}:`)}&limit=100`)).json.runs as { runId: string }[],
      (list) => started(fires).every((f) => list.some((r) => r.runId === f.runId)),
    );
    const byInstant = new Map<string, number>();
    for (const r of runs) byInstant.set(r.runId, (byInstant.get(r.runId) ?? 0) + 1);
    expect([...byInstant.values()].every((n) => n === 1)).toBe(true);
    expect(runs.length).toBe(started(fires).length);
    expect(runs.map((r) => r.runId).sort()).toEqual(
      started(fires)
        .map((f) => f.runId)
        .sort(),
    );
  });
});
