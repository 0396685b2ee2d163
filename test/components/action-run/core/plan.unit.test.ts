// An action run's decisions without the runtime: the retrier's policy, what follows a failure, what a
// woken object does, and when its alarm rings.
import { describe, expect, it } from "vitest";
import { afterFailure, DEFAULT_RETRIER, nextAlarm, onWake, publicStatus, retrierPolicy } from "../../../../src/components/action-run/core/plan.ts";

const transient = { code: "action.failed", message: "x", retryable: true };

describe("retrierPolicy", () => {
  it("turns maxFailures into attempts, with the Convex retrier's defaults", () => {
    expect(DEFAULT_RETRIER).toMatchObject({ initialBackoffMs: 250, base: 2, maxFailures: 4 });
    expect(retrierPolicy()).toMatchObject({ maxAttempts: 5, initialBackoffMs: 250, base: 2 });
    expect(retrierPolicy({ maxFailures: 0 }).maxAttempts).toBe(1);
    expect(() => retrierPolicy({ base: 0.5 })).toThrow();
  });
});

describe("afterFailure", () => {
  const policy = retrierPolicy({ initialBackoffMs: 1000, base: 2, maxFailures: 2 });

  it.each([
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0, 1000],
    [2, 1, 2000],
  ])("after attempt %i with random %d waits %i ms", (attempt, random, delay) => {
    expect(afterFailure(policy, attempt, transient, 10_000, random)).toEqual({ type: "retry", at: 10_000 + delay, delayMs: delay });
  });

  it("gives up after maxFailures failures, and at once on a non-retryable error", () => {
    expect(afterFailure(policy, 3, transient, 0, 0.5)).toEqual({ type: "fail" });
    expect(afterFailure(policy, 1, { ...transient, retryable: false }, 0, 0.5)).toEqual({ type: "fail" });
  });
});

describe("onWake", () => {
  it.each([
    ["backoff", false, "none", "next-attempt"],
    ["running", true, "none", "watch"],
    ["running", false, "none", "interrupted"],
    ["waiting", false, "none", "resume"],
    ["waiting", true, "none", "watch"],
    ["failed", false, "pending", "finish"],
    ["failed", true, "pending", "watch"],
    ["completed", false, "done", "none"],
  ] as const)("%s, live %s, onComplete %s -> %s", (state, live, onComplete, decision) => {
    expect(onWake({ state, onComplete }, live)).toBe(decision);
  });
});

describe("nextAlarm", () => {
  it("rings at the backoff's end, as a watchdog while anything is open, never when all is done", () => {
    expect(nextAlarm({ state: "backoff", wakeAt: 700, onComplete: "none" }, 100, 30_000)).toBe(700);
    expect(nextAlarm({ state: "running", wakeAt: null, onComplete: "none" }, 100, 30_000)).toBe(30_100);
    expect(nextAlarm({ state: "canceled", wakeAt: null, onComplete: "pending" }, 100, 30_000)).toBe(30_100);
    expect(nextAlarm({ state: "completed", wakeAt: null, onComplete: "done" }, 100, 30_000)).toBeNull();
  });

  it("reports waiting and backoff as pending", () => {
    expect([publicStatus("waiting"), publicStatus("backoff"), publicStatus("running")]).toEqual(["pending", "pending", "running"]);
  });
});
