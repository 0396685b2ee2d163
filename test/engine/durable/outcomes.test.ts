// Outcomes and limits: payloads over 1 MiB, a return value that fails `returns`, onComplete exactly once,
// and a child's outcome reaching its parent.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { client, fireUntil, logged, probe, type RunStub, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

/** From now on, every change of the run row's on_complete is logged in the object's own table `on_complete_log`. */
async function logOnComplete(stub: RunStub): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(`CREATE TABLE on_complete_log (seq INTEGER PRIMARY KEY, before TEXT, after TEXT);
      CREATE TRIGGER on_complete_logged AFTER UPDATE OF on_complete ON run WHEN OLD.on_complete IS NOT NEW.on_complete
      BEGIN INSERT INTO on_complete_log (before, after) VALUES (OLD.on_complete, NEW.on_complete); END;`);
  });
}

async function onCompleteLog(stub: RunStub): Promise<[unknown, unknown][]> {
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec("SELECT before, after FROM on_complete_log ORDER BY seq")
      .toArray()
      .map((r) => [r.before, r.after] as [unknown, unknown]),
  );
}

describe("limits", () => {
  it("fails a step whose result is over 1 MiB with step.payload_too_large", async () => {
    const { stub, status } = await startRun("big-payload", { where: "result" });
    expect(status).toBe("failed");
    const v = await view(stub);
    expect(v.error!.code).toBe("step.payload_too_large");
    expect(v.steps![0]).toMatchObject({ name: "make-big", status: "failed", error: { code: "step.payload_too_large" } });
  });

  it("fails a step whose args are over 1 MiB before running it", async () => {
    const { runId, stub, status } = await startRun("big-payload", { where: "args" });
    expect(status).toBe("failed");
    expect((await view(stub)).error!.code).toBe("step.payload_too_large");
    expect(await probe().count(`${runId}/big`)).toBe(0);
  });

  it("fails a run whose return value does not match `returns`", async () => {
    const { stub, status } = await startRun("bad-return", {});
    expect(status).toBe("failed");
    const v = await view(stub);
    expect(v.error!.code).toBe("run.invalid_result");
    expect(v.error!.message).toContain("ok");
  });
});

describe("onComplete", () => {
  it.each([
    [false, { status: "completed", result: "ok" }],
    [true, { status: "failed", error: { code: "test.boom", message: "boom" } }],
  ])("runs once with the outcome (fail=%s)", async (fail, outcome) => {
    const { runId, stub } = await startRun("completes", { fail });
    await settle(stub);
    // More wake-ups change nothing: it already ran.
    await view(stub);
    await settle(stub);
    expect(await logged(`onComplete/${runId}`)).toEqual([outcome]);
  });
});

describe("what a finished run owes", () => {
  it("a run with no parent and no onComplete ends owing nothing, in the transaction that ends it", async () => {
    const { runId, stub, status } = await startRun("waiter", {});
    expect(status).toBe("waiting");
    await logOnComplete(stub);
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    expect((await view(stub, "none")).status).toBe("completed");
    expect(await onCompleteLog(stub)).toEqual([["none", "done"]]);
  });

  it("a child run owes its parent the outcome until it has told it", async () => {
    const { runId } = await startRun("parent", { childMs: 60_000 });
    const child = runStub(`${runId}.0`);
    await settle(child);
    await logOnComplete(child);
    await fireUntil(child, (v) => v.status === "completed");
    expect(await onCompleteLog(child)).toEqual([
      ["none", "pending"],
      ["pending", "done"],
    ]);
  });
});

describe("child workflows", () => {
  it("waits durably for the child and returns its result", async () => {
    const { runId, stub, status } = await startRun("parent", { childMs: 60_000 });
    expect(status).toBe("waiting");
    const child = runStub(`${runId}.0`);
    await settle(child);
    await fireUntil(child, (v) => v.status === "completed");
    await settle(stub);
    const v = await view(stub);
    expect(v).toMatchObject({ status: "completed", result: { child: "woke" } });
    expect(await logged(`onComplete/${runId}`)).toEqual([{ status: "completed", result: { child: "woke" } }]);
  });
});
