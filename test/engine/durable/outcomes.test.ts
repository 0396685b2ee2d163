// Outcomes and limits: payloads over 1 MiB, a return value that fails `returns`, onComplete exactly once,
// and a child's outcome reaching its parent.
import { describe, expect, it } from "vitest";
import { fireUntil, logged, probe, runStub, settle, startRun, view } from "../../helpers/runtime.ts";

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
