// Retention: a finished run's storage, alarm and index entry go when its retention ends; a child is
// kept while its parent runs; a live run is never deleted.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../helpers/clock.ts";
import { client, DAY_MS, refusal, type RunStub, runStub, settle, startRun, timersOf, view } from "../../helpers/runtime.ts";

let keys = 0;
const freshKey = (label: string) => `retention-${label}-${++keys}-${Date.now()}`;

async function tables(stub: RunStub): Promise<string[]> {
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
      .toArray()
      .map((r) => r.name),
  );
}

async function listed(runId: string, workflow: string): Promise<boolean> {
  const { runs } = await client.listRuns({ workflow, limit: 100 });
  return runs.some((r) => r.runId === runId);
}

/** Waits until the index lists (or no longer lists) the run: the run pushes its status after the fact. */
async function untilListed(runId: string, workflow: string, want: boolean): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await listed(runId, workflow)) === want) return;
    await settle(runStub(runId)).catch(() => undefined);
  }
  throw new Error(`the index never ${want ? "listed" : "dropped"} ${runId}`);
}

describe("retention", () => {
  it("deletes a finished run's storage, alarm and index entry when its retention ends", async () => {
    const key = freshKey("short");
    const { runId, stub } = await startRun("repair.short-lived", { key });
    const v = await view(stub);
    expect(v.status).toBe("completed");
    expect(v.expiresAt).toBe(v.completedAt! + DAY_MS);
    await untilListed(runId, "repair.short-lived", true);
    await runInDurableObject(stub, (instance) => manualClock(instance).stop(v.expiresAt!));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await refusal(client.getRun(runId))).code).toBe("run.not_found");
    expect(await tables(stub)).toEqual([]);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBeNull();
    expect(await listed(runId, "repair.short-lived")).toBe(false);
  });

  it("keeps a finished run until its retention, from the deployment's default or the start's own", async () => {
    const { runId, stub } = await startRun("double", { n: 2 });
    const v = await view(stub);
    expect(v.expiresAt).toBe(v.completedAt! + 30 * DAY_MS);
    expect(await timersOf(stub)).toEqual([{ kind: "retention", at: v.expiresAt }]);
    // An alarm run early (by hand) deletes nothing.
    await runDurableObjectAlarm(stub);
    expect((await client.getRun(runId)).status).toBe("completed");
    const own = await client.startRun("double", { n: 3 }, { retentionDays: 2 });
    await settle(runStub(own.runId));
    const ownView = await view(runStub(own.runId));
    expect(ownView.expiresAt).toBe(ownView.completedAt! + 2 * DAY_MS);
  });

  it("keeps a finished child while its parent runs, and deletes it after the parent ended", async () => {
    const key = freshKey("child");
    const { runId, stub } = await startRun("repair.parent-of-short-lived", { key });
    const childStub = runStub(`${runId}.0`);
    await settle(childStub);
    await settle(stub);
    expect((await view(stub)).status).toBe("waiting");
    const child = await view(childStub);
    expect(child.status).toBe("completed");
    await runInDurableObject(childStub, (instance) => manualClock(instance).stop(child.expiresAt!));
    await runDurableObjectAlarm(childStub); // its retention ended, but the parent runs: kept, asked again later
    const kept = await view(childStub);
    expect(kept.status).toBe("completed");
    expect(kept.expiresAt).toBeGreaterThan(child.expiresAt!);
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    expect((await view(stub)).status).toBe("completed");
    await runInDurableObject(childStub, (instance) => manualClock(instance).advance(kept.expiresAt! - child.expiresAt!));
    await runDurableObjectAlarm(childStub);
    expect((await refusal(client.getRun(`${runId}.0`))).code).toBe("run.not_found");
    expect((await client.getRun(runId)).status).toBe("completed");
  });

  it("gives a run that ended before retention existed its expiry when it is next touched", async () => {
    const { runId, stub } = await startRun("double", { n: 4 });
    // As stored before retention: no expiry and no retention timer.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE run SET expires_at = NULL");
      state.storage.sql.exec("DELETE FROM timers");
    });
    await evictDurableObject(stub);
    const v = await client.getRun(runId);
    expect(v.expiresAt).toBe(v.completedAt! + 30 * DAY_MS);
    expect(await timersOf(stub)).toEqual([{ kind: "retention", at: v.expiresAt }]);
  });

  it("never sets a retention timer on a live run", async () => {
    const { stub } = await startRun("repair.wait-then-mark", { key: freshKey("live") });
    expect((await timersOf(stub)).map((t) => t.kind)).not.toContain("retention");
    expect((await view(stub)).expiresAt).toBeNull();
  });
});
