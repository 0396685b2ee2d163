// Real runs keeping the run index in step: what a run waits for and when it ended across its life, a
// change of wait under the same status, and the inbox losing a wait when it is signaled, times out or
// its run is canceled. The index hears after the fact (a push per turn), so reads poll until it has.
import { describe, expect, it } from "vitest";
import type { IndexedRun, InboxWait } from "../../../src/engine/index.ts";
import { client, fireUntil, settle, startRun, view } from "../../helpers/runtime.ts";

let keys = 0;
const freshKey = () => `index-life-${++keys}-${crypto.randomUUID()}`;

/** The run's index entry, found by its id (the prefix search). */
async function entryOf(runId: string): Promise<IndexedRun | undefined> {
  return (await client.listRuns({ q: runId })).runs.find((r) => r.runId === runId);
}

/** Every open signal wait in the index, oldest first, read two at a time. */
async function inbox(): Promise<InboxWait[]> {
  const all: InboxWait[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.inbox({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
    all.push(...page.waits);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

const waitsOf = async (runId: string) => (await inbox()).filter((w) => w.runId === runId).map((w) => `${w.signal}/${w.seq}`);

describe("the index across a run's life", () => {
  it("lists a sleep, then a signal wait, then the end, each with when it began", async () => {
    const { runId, stub } = await startRun("repair.sleep-wait-mark", { key: freshKey(), ms: 60_000 });
    const sleeping = await view(stub);
    await expect.poll(async () => (await entryOf(runId))?.status).toBe("sleeping");
    expect(await entryOf(runId)).toMatchObject({
      workflow: "repair.sleep-wait-mark",
      completedAt: null,
      waitingFor: [{ seq: 0, kind: "sleep", name: "nap", until: sleeping.steps![0]!.wakeAt, since: sleeping.steps![0]!.startedAt }],
    });

    const waiting = await fireUntil(stub, (v) => v.status === "waiting");
    await expect.poll(async () => (await entryOf(runId))?.status).toBe("waiting");
    const wait = waiting.steps!.find((s) => s.kind === "signal")!;
    const entry = await entryOf(runId);
    // The wait's JSON Schema stays in the run's own view; the list has none.
    expect(entry?.waitingFor).toEqual([{ seq: wait.seq, kind: "signal", signal: "go", timeoutAt: expect.any(Number), since: wait.startedAt }]);
    expect(await waitsOf(runId)).toEqual([`go/${wait.seq}`]);

    await client.signalRun(runId, "go", "yes");
    await settle(stub);
    const done = await view(stub);
    expect(done.status).toBe("completed");
    await expect.poll(async () => (await entryOf(runId))?.status).toBe("completed");
    expect(await entryOf(runId)).toMatchObject({ waitingFor: [], completedAt: done.completedAt });
    expect(await waitsOf(runId)).toEqual([]);
  });

  it("pushes a new wait that keeps the status: the second signal wait replaces the first", async () => {
    const { runId, stub } = await startRun("waiter", { count: 2 });
    await expect.poll(() => waitsOf(runId)).toEqual(["go/0"]);
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    expect((await view(stub)).status).toBe("waiting");
    await expect.poll(() => waitsOf(runId)).toEqual(["go/1"]);
    expect((await entryOf(runId))?.waitingFor).toEqual([expect.objectContaining({ seq: 1, kind: "signal" })]);
  });

  it("lists the inbox oldest first, and a wait leaves it when it times out or its run is canceled", async () => {
    const timed = await startRun("waiter", { timeout: 30_000 });
    const canceled = await startRun("waiter", {});
    await expect
      .poll(async () => (await inbox()).map((w) => w.runId).filter((id) => id === timed.runId || id === canceled.runId))
      .toEqual([timed.runId, canceled.runId]);
    const waits = await inbox();
    expect(waits.map((w) => w.since)).toEqual([...waits.map((w) => w.since)].sort((a, b) => a - b));
    expect(waits.find((w) => w.runId === timed.runId)).toMatchObject({ workflow: "waiter", signal: "go", seq: 0, timeoutAt: expect.any(Number) });

    await fireUntil(timed.stub, (v) => v.status === "completed");
    await expect.poll(() => waitsOf(timed.runId)).toEqual([]);

    await client.cancelRun(canceled.runId);
    await expect.poll(() => waitsOf(canceled.runId)).toEqual([]);
    await expect.poll(async () => (await entryOf(canceled.runId))?.status).toBe("canceled");
    expect((await entryOf(canceled.runId))?.completedAt).toEqual(expect.any(Number));
  });
});
