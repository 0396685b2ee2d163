// Caller contexts: a workflow step is told apart from the other shapes, and ids derived from an
// idempotency key repeat, in order, for a retried attempt's fresh ctx.
import { describe, expect, it } from "vitest";
import { isStepContext, nextCall, nextRunId } from "../../src/engine/caller.ts";
import type { StepContext } from "../../src/engine/workflow-api.ts";

// SAFETY: isStepContext only looks at these two methods.
const step = { sleep: () => Promise.resolve(), waitForSignal: () => Promise.resolve(null) } as unknown as StepContext;

describe("caller contexts", () => {
  it("tells a workflow step from an action's ctx and a Worker's env", () => {
    expect(isStepContext(step)).toBe(true);
    expect(isStepContext({ env: {}, idempotencyKey: "k" })).toBe(false);
    expect(isStepContext({ runAction: () => {} })).toBe(false);
    // An action's context can call functions too, but it is no step.
    expect(isStepContext({ env: {}, idempotencyKey: "k", runAction: () => {}, runMutation: () => {} })).toBe(false);
  });

  it("derives run ids from the key, retries and jobs counting together, from 0 for each fresh ctx", () => {
    const attempt = () => ({ env: {}, idempotencyKey: "run_1:3" });
    const first = attempt();
    expect([nextRunId(first, "retry"), nextRunId(first, "job"), nextRunId(first, "retry")]).toEqual(["run_1:3:retry0", "run_1:3:job1", "run_1:3:retry2"]);
    expect(nextRunId(attempt(), "job")).toBe("run_1:3:job0");
  });

  it("mints a random id without a key", () => {
    expect(nextRunId({ env: {} }, "job")).toMatch(/^job_[0-9a-f]{32}$/);
  });

  it("counts each scope on its own", () => {
    const ctx = {};
    expect([nextCall(ctx, "a"), nextCall(ctx, "b"), nextCall(ctx, "a")]).toEqual([0, 0, 1]);
  });
});
