// Workflow versions and step.patched: a run stays on the version it started on across replays, new runs
// take the newest, a run whose version is gone fails clearly and restarts on a newer one; patched answers
// true on new code and false for a run that passed the point before the check existed, and never flips.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { client, probe, refusal, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

let keys = 0;
const freshKey = (label: string) => `versions-${label}-${++keys}-${Date.now()}`;

describe("workflow versions", () => {
  it("keeps each run on its version across replays while runs of two versions are live", async () => {
    const key = freshKey("two");
    const v1 = await client.startRun("repair.versioned", { key }, { version: 1 });
    const v2 = await client.startRun("repair.versioned", { key });
    expect((await view(runStub(v1.runId))).version).toBe(1);
    expect((await view(runStub(v2.runId))).version).toBe(2);
    await settle(runStub(v1.runId));
    await settle(runStub(v2.runId));
    // Both replay on their own code after losing their memory.
    await evictDurableObject(runStub(v1.runId));
    await evictDurableObject(runStub(v2.runId));
    await client.signalRun(v1.runId, "go", "a");
    await client.signalRun(v2.runId, "go", "b");
    await settle(runStub(v1.runId));
    await settle(runStub(v2.runId));
    expect(await view(runStub(v1.runId))).toMatchObject({ status: "completed", result: "v1:a", version: 1 });
    expect(await view(runStub(v2.runId))).toMatchObject({ status: "completed", result: "v2:b", version: 2 });
    expect(await probe().counts(`${key}/`)).toEqual({ [`${key}/v1`]: 1, [`${key}/v2-first`]: 1 });
  });

  it("refuses a start on a version that is not registered", async () => {
    const err = await refusal(client.startRun("repair.versioned", { key: "x" }, { version: 7 }));
    expect(err.code).toBe("workflow.version_not_found");
  });

  it("fails a run whose version is no longer deployed with workflow.version_missing; a restart on a newer version completes it", async () => {
    const key = freshKey("missing");
    const { runId, stub } = await startRun("repair.versioned", { key }, 0);
    // As if version 2 had been deleted by a deploy while the run waited: the row names a version this Worker lacks.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE run SET version = 5 WHERE id = 1");
    });
    await evictDurableObject(stub);
    await client.getRun(runId);
    await settle(stub);
    const failed = await view(stub);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "workflow.version_missing" });
    expect(failed.error!.message).toContain("deployed: 1, 2");
    // Nothing is lost: a restart on version 2 keeps the step the run had done.
    const restarted = await client.restartRun(runId, { version: 2 });
    expect(restarted).toMatchObject({ version: 2, fromStep: 1 });
    await settle(runStub(restarted.runId));
    await client.signalRun(restarted.runId, "go", "later");
    await settle(runStub(restarted.runId));
    expect(await view(runStub(restarted.runId))).toMatchObject({ status: "completed", result: "v2:later", version: 2 });
    expect(await probe().count(`${key}/v2-first`)).toBe(1);
  });
});

describe("step.patched", () => {
  it("answers true for a run that reaches the check on new code", async () => {
    const key = freshKey("new");
    await probe().hit(`${key}/deployed`);
    const { runId, stub } = await startRun("repair.patchy", { key });
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: { patched: true } });
    expect(await probe().count(`${key}/extra`)).toBe(1);
  });

  it("answers false for a run replaying past the point it passed before the check existed, and never flips", async () => {
    const key = freshKey("old");
    const { runId, stub } = await startRun("repair.patchy", { key }); // old code: no check, straight to the wait
    await probe().hit(`${key}/deployed`); // the check ships
    await evictDurableObject(stub); // the run replays on the new code
    await client.getRun(runId);
    await settle(stub);
    await evictDurableObject(stub); // and again: the journaled answer holds
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    const v = await view(stub);
    expect(v).toMatchObject({ status: "completed", result: { patched: false } });
    expect(v.steps!.map((s) => s.name)).toEqual(["one", "go", "two"]);
    expect(await probe().count(`${key}/extra`)).toBe(0);
    const journaled = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("SELECT change_id, value FROM patches").toArray());
    expect(journaled).toEqual([{ change_id: "extra", value: 0 }]);
  });
});
