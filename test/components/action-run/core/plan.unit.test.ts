// An action run's decisions without the runtime: the retrier's policy, what follows a failure, what a
// woken object does, and when its alarm rings.
import { describe, expect, it } from "vitest";
import {
  afterFailure,
  DEFAULT_RETRIER,
  nextAlarm,
  onWake,
  outboxAfter,
  outboxDelivered,
  owes,
  publicStatus,
  retrierPolicy,
} from "../../../../src/components/action-run/core/plan.ts";

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
    ["backoff", false, "none", "none", "next-attempt"],
    ["running", true, "none", "listed", "watch"],
    ["running", false, "none", "listed", "interrupted"],
    ["waiting", false, "none", "list", "resume"],
    ["waiting", true, "none", "listed", "watch"],
    ["failed", false, "pending", "unlist", "finish"],
    ["failed", true, "pending", "listed", "watch"],
    ["completed", false, "done", "none", "none"],
    ["completed", false, "done", "unlist", "finish"],
    ["failed", false, "none", "report", "finish"],
    ["failed", true, "done", "report", "watch"],
    ["canceled", false, "none", "done", "none"],
  ] as const)("%s, live %s, onComplete %s, outbox %s -> %s", (state, live, onComplete, outbox, decision) => {
    expect(onWake({ state, onComplete, outbox }, live)).toBe(decision);
  });
});

describe("nextAlarm", () => {
  it("rings at the backoff's end, as a watchdog while anything is open, never when all is done", () => {
    expect(nextAlarm({ state: "backoff", wakeAt: 700, onComplete: "none", outbox: "list" }, 100, 30_000)).toBe(700);
    expect(nextAlarm({ state: "running", wakeAt: null, onComplete: "none", outbox: "listed" }, 100, 30_000)).toBe(30_100);
    expect(nextAlarm({ state: "canceled", wakeAt: null, onComplete: "pending", outbox: "done" }, 100, 30_000)).toBe(30_100);
    expect(nextAlarm({ state: "completed", wakeAt: null, onComplete: "done", outbox: "unlist" }, 100, 30_000)).toBe(30_100);
    expect(nextAlarm({ state: "failed", wakeAt: null, onComplete: "done", outbox: "report" }, 100, 30_000)).toBe(30_100);
    expect(nextAlarm({ state: "completed", wakeAt: null, onComplete: "done", outbox: "done" }, 100, 30_000)).toBeNull();
  });

  it("reports waiting and backoff as pending", () => {
    expect([publicStatus("waiting"), publicStatus("backoff"), publicStatus("running")]).toEqual(["pending", "pending", "running"]);
  });
});

describe("outboxAfter", () => {
  it.each([
    // A retrier run: listed while it lives, unlisted when it ends (even if the listing is unconfirmed).
    ["none", "running", false, "list"],
    ["none", "waiting", false, "list"],
    ["list", "backoff", false, "list"],
    ["listed", "backoff", false, "listed"],
    ["list", "completed", false, "unlist"],
    ["listed", "failed", false, "unlist"],
    ["listed", "canceled", false, "unlist"],
    ["none", "failed", false, "done"],
    ["done", "failed", false, "done"],
    // A pool job: nothing to list; a failure for good is reported to its pool, once.
    ["none", "running", true, "none"],
    ["none", "backoff", true, "none"],
    ["none", "completed", true, "none"],
    ["none", "canceled", true, "none"],
    ["none", "failed", true, "report"],
    ["done", "failed", true, "done"],
  ] as const)("owes %s, moves to %s (pooled %s) -> %s", (current, state, pooled, next) => {
    expect(outboxAfter(current, state, pooled)).toBe(next);
  });

  it("confirms a listing as listed, anything else as done", () => {
    expect([outboxDelivered("list"), outboxDelivered("unlist"), outboxDelivered("report")]).toEqual(["listed", "done", "done"]);
    expect([owes("list"), owes("unlist"), owes("report"), owes("listed"), owes("none"), owes("done")]).toEqual([true, true, true, false, false, false]);
  });
});
