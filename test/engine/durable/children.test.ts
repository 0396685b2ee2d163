// A parent that ends owes each open child a cancel, kept in its storage until the child confirms: a
// failed call (here an injected fault) is retried on the parent's next wake-up, and a child the parent
// never got to start is recorded canceled, so a start still on its way cannot run it.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { client, fireAlarm, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

afterEach(() => {
  env.STEPWISE_FAULTS = undefined;
});

describe("canceling a parent", () => {
  it("cancels its waiting child run", async () => {
    const { runId, stub } = await startRun("parent-of-waiter", {});
    const child = runStub(`${runId}.0`);
    await settle(child);
    expect((await view(child)).status).toBe("waiting");
    await client.cancelRun(runId);
    expect((await view(child)).status).toBe("canceled");
    expect((await view(stub)).status).toBe("canceled");
  });

  it("keeps the child's cancel until it is confirmed: a failed call is sent again on the next wake-up", async () => {
    const { runId, stub } = await startRun("parent-of-waiter", {});
    const child = runStub(`${runId}.0`);
    await settle(child);
    env.STEPWISE_FAULTS = "fail=1,only=run.child";
    await client.cancelRun(runId);
    // The call failed: the child still waits, and the parent still owes it a cancel (its watchdog stays armed).
    expect((await view(child)).status).toBe("waiting");
    const owed = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("SELECT run_id FROM child_cancels").toArray());
    expect(owed).toEqual([{ run_id: `${runId}.0` }]);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).not.toBeNull();

    env.STEPWISE_FAULTS = undefined;
    expect(await fireAlarm(stub)).toBe(true);
    expect((await view(child)).status).toBe("canceled");
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("SELECT run_id FROM child_cancels").toArray())).toEqual([]);
  });

  it("records a child it never started as canceled, so a late start does not run it", async () => {
    const childRunId = `run_${crypto.randomUUID().replaceAll("-", "")}.3`;
    const child = runStub(childRunId);
    const parentRunId = childRunId.slice(0, -2);
    const canceled = await child.cancel({ asChildOf: { childRunId, parentRunId, seq: 3, workflow: "double", args: '{"n":1}' } });
    expect(canceled).toEqual({ ok: true, value: { status: "canceled" } });
    const late = await child.start({ runId: childRunId, workflow: "double", args: { n: 1 }, parent: { runId: parentRunId, seq: 3 } });
    expect(late).toMatchObject({ ok: true, value: { created: false, status: "canceled", outcome: { status: "canceled" } } });
    const v = await view(child);
    expect(v).toMatchObject({ status: "canceled", workflow: "double", stepCount: 0 });
  });
});
