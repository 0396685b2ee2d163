// The run object's log lines are one JSON object each, naming the run (runId, workflow) and, where a
// step is at hand, seq, step and attempt: what Workers Logs filters on. Console spies see the run
// objects' lines because the test Worker's Durable Objects run in the test's isolate.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { client, fireUntil, runStub, settle, startRun } from "../../helpers/runtime.ts";

afterEach(() => {
  env.STEPWISE_FAULTS = undefined;
  vi.restoreAllMocks();
});

/** Every line written through `spy`, parsed; a line that is not one JSON object fails the test. */
function lines(spy: MockInstance): Record<string, unknown>[] {
  return spy.mock.calls.map((args) => {
    expect(args).toHaveLength(1);
    const parsed: unknown = JSON.parse(String(args[0]));
    expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)).toBe(true);
    return parsed as Record<string, unknown>;
  });
}

describe("engine logs", () => {
  it("a failed child cancel is one JSON line with runId, workflow and the step's seq", async () => {
    const { runId } = await startRun("parent-of-waiter", {});
    await settle(runStub(`${runId}.0`));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    env.STEPWISE_FAULTS = "fail=1,only=run.child";
    await client.cancelRun(runId);
    const line = lines(error).find((l) => l.msg === "canceling a child failed; retried on the next wake-up");
    expect(line).toEqual({
      level: "error",
      msg: "canceling a child failed; retried on the next wake-up",
      runId,
      workflow: "parent-of-waiter",
      seq: 0,
      childRunId: `${runId}.0`,
      error: { name: "InjectedFault", message: "injected fault (fail) on run.child", code: "fault.injected" },
    });
  });

  it("a failed attempt that is retried is an info line with seq, step and attempt; the end says how long the run took", async () => {
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    const { runId, stub } = await startRun("flaky", { failures: 1 });
    const retried = lines(info).find((l) => l.msg === "step attempt failed; it is retried" && l.runId === runId);
    // The action's own message is user data: only its code is logged.
    expect(retried).toEqual({
      level: "info",
      msg: "step attempt failed; it is retried",
      runId,
      workflow: "flaky",
      seq: 0,
      step: "flaky.attempt",
      attempt: 1,
      error: { name: "SerializedError", code: "action.failed" },
    });
    await fireUntil(stub, (v) => v.status === "completed");
    const finished = lines(info).find((l) => l.msg === "run finished" && l.runId === runId);
    expect(finished).toMatchObject({ level: "info", runId, workflow: "flaky", status: "completed" });
    expect(finished?.durationMs).toBeTypeOf("number");
    expect(finished?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("onComplete throwing is logged by name and code, never its message", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { runId, status } = await startRun("complete-throws", {});
    expect(status).toBe("completed");
    await vi.waitFor(() => expect(lines(error).some((l) => l.runId === runId)).toBe(true));
    const line = lines(error).find((l) => l.runId === runId);
    expect(line).toEqual({
      level: "error",
      msg: "onComplete threw; it is not retried",
      runId,
      workflow: "complete-throws",
      error: { name: "NonRetryableError", code: "test.on_complete" },
    });
    expect(JSON.stringify(error.mock.calls)).not.toContain("4242");
  });
});
