// The run index over HTTP: list rows with what each run waits for and when it ended, the run id prefix
// search and the counts, the inbox, the live list's WebSocket (a frame when a run starts, ends and is
// removed), and bad parameters refused with their paths.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IndexedRun, InboxWait } from "../../../src/engine/index.ts";
import { manualClock } from "../../helpers/clock.ts";
import { call, problemOf, TOKEN } from "../../helpers/http.ts";
import { client, runStub, settle, startRun, view } from "../../helpers/runtime.ts";
import { type LiveList, liveList } from "../../helpers/sockets.ts";

type Page = { runs: IndexedRun[]; nextCursor: string | null; counts?: { workflow: string; status: string; count: number }[] };
const list = async (q: string) => (await (await call("GET", `/api/runs?${q}`)).json()) as Page;
const inbox = async (q = "") => (await (await call("GET", `/api/inbox${q}`)).json()) as { waits: InboxWait[]; nextCursor: string | null };
/** Every open wait, page by page: the Worker tests share their storage, so other files' waits may come first. */
async function allWaits(): Promise<InboxWait[]> {
  const waits: InboxWait[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await inbox(`?limit=100${cursor === null ? "" : `&cursor=${cursor}`}`);
    waits.push(...page.waits);
    cursor = page.nextCursor;
    if (cursor === null) return waits;
  }
}

/** The live list's socket, opened with the token. */
async function openLive(): Promise<LiveList> {
  return liveList(await call("GET", "/api/live/runs", undefined, { upgrade: "websocket" }));
}

describe("GET /api/runs", () => {
  it("shows what each run waits for and when it ended, finds runs by id prefix, and counts the whole index", async () => {
    const { runId, stub } = await startRun("waiter", { timeout: 60_000 });
    const done = await startRun("double", { n: 2 });
    await expect.poll(async () => (await list(`q=${runId}`)).runs.map((r) => r.status)).toEqual(["waiting"]);
    const row = (await list(`q=${runId}`)).runs[0]!;
    const step = (await view(stub)).steps![0]!;
    expect(row).toEqual({
      runId,
      workflow: "waiter",
      status: "waiting",
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      version: 1,
      waitingFor: [{ seq: 0, kind: "signal", signal: "go", timeoutAt: expect.any(Number), since: step.startedAt }],
      completedAt: null,
    });
    await expect.poll(async () => (await list(`q=${done.runId}&status=completed`)).runs.map((r) => r.completedAt)).toEqual([expect.any(Number)]);
    // The prefix combines with the other filters.
    expect((await list(`q=${runId}&workflow=double`)).runs).toEqual([]);
    expect((await list(`q=${runId.toUpperCase()}`)).runs).toEqual([]);

    const counted = await list("counts=true&workflow=double&limit=1");
    expect(counted.runs.every((r) => r.workflow === "double")).toBe(true);
    expect(counted.counts).toEqual(expect.arrayContaining([expect.objectContaining({ workflow: "waiter", status: "waiting" })]));
    expect(counted.counts!.find((c) => c.workflow === "double" && c.status === "completed")?.count).toBeGreaterThanOrEqual(1);
    expect((await list("limit=1")).counts).toBeUndefined();
  });

  it.each([
    ["q=run_%20x", "/q"],
    ["q=", "/q"],
    ["counts=yes", "/counts"],
    ["limit=0", "/limit"],
    ["status=asleep&limit=1000", "/status"],
  ])("refuses %s naming %s", async (q, path) => {
    const res = await call("GET", `/api/runs?${q}`);
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("request.invalid");
    expect(p.errors!.map((e) => e.path)).toContain(path);
  });
});

describe("GET /api/inbox", () => {
  it("lists open signal waits oldest first, a page at a time, until they are answered", async () => {
    const first = await startRun("waiter", {});
    const second = await startRun("await-approval", { request: "ship it", timeoutMs: 60_000 });
    const ours = (waits: InboxWait[]) => waits.filter((w) => w.runId === first.runId || w.runId === second.runId);
    await expect.poll(async () => ours(await allWaits()).map((w) => w.runId), { timeout: 5_000 }).toEqual([first.runId, second.runId]);
    expect(ours(await allWaits())[1]).toEqual({
      runId: second.runId,
      workflow: "await-approval",
      runCreatedAt: expect.any(Number),
      seq: 0,
      signal: "approval",
      since: expect.any(Number),
      timeoutAt: expect.any(Number),
    });
    const page = await inbox("?limit=1");
    expect(page.waits).toHaveLength(1);
    const rest = await inbox(`?limit=100&cursor=${page.nextCursor}`);
    expect(rest.waits.map((w) => w.since)[0]).toBeGreaterThanOrEqual(page.waits[0]!.since);

    await client.signalRun(first.runId, "go");
    await settle(first.stub);
    await expect.poll(async () => ours(await allWaits()).map((w) => w.runId), { timeout: 5_000 }).toEqual([second.runId]);
  });

  it.each([
    ["?limit=101", 400, "/limit"],
    ["?cursor=garbage", 400, undefined],
  ])("refuses %s", async (q, status, path) => {
    const res = await call("GET", `/api/inbox${q}`);
    expect(res.status).toBe(status);
    const p = await problemOf(res);
    if (path === undefined) expect(p.code).toBe("request.invalid_cursor");
    else expect(p.errors!.map((e) => e.path)).toEqual([path]);
  });
});

describe("GET /api/live/runs", () => {
  it("sends a frame when a run starts and when it ends, and a removed frame when its retention ends", async () => {
    const live = await openLive();
    const key = `live-${crypto.randomUUID()}`;
    const { runId } = await client.startRun("repair.sleep-wait-mark", { key, ms: 60_000 });
    const started = await live.next((f) => f.type === "run" && f.run.runId === runId);
    expect(started).toMatchObject({ type: "run", run: { runId, workflow: "repair.sleep-wait-mark", completedAt: null } });
    await settle(runStub(runId));
    await client.cancelRun(runId);
    const ended = await live.next((f) => f.type === "run" && f.run.runId === runId && f.run.status === "canceled");
    expect(ended).toMatchObject({ run: { waitingFor: [], completedAt: expect.any(Number) } });

    const short = await startRun("repair.short-lived", { key });
    const v = await view(short.stub);
    await live.next((f) => f.type === "run" && f.run.runId === short.runId && f.run.status === "completed");
    await runInDurableObject(short.stub, (instance) => manualClock(instance).stop(v.expiresAt!));
    expect(await runDurableObjectAlarm(short.stub)).toBe(true);
    expect(await live.next((f) => f.type === "removed" && f.runId === short.runId)).toEqual({ type: "removed", runId: short.runId });
    live.close();
  });

  it("needs the token and an upgrade", async () => {
    const plain = await call("GET", "/api/live/runs");
    expect(plain.status).toBe(426);
    expect((await problemOf(plain)).code).toBe("request.upgrade_required");
    const anonymous = await exports.default.fetch(new Request("http://stepwise.test/api/live/runs", { headers: { upgrade: "websocket" } }));
    expect(anonymous.status).toBe(401);
    const wrong = await call("GET", "/api/live/runs", undefined, { upgrade: "websocket", authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
  });
});
