// Retry math without the runtime: policy resolution, exponential backoff with equal jitter, give-up rule.
import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY, NO_RETRY, resolveRetry, shouldRetry } from "../../../src/engine/core/retry.ts";

describe("resolveRetry", () => {
  it.each([
    [undefined, undefined, NO_RETRY],
    [true, undefined, DEFAULT_RETRY],
    [undefined, true, DEFAULT_RETRY],
    [false, true, NO_RETRY],
    [{ maxAttempts: 3 }, undefined, { ...DEFAULT_RETRY, maxAttempts: 3 }],
  ])("step %j, workflow %j", (step, workflow, expected) => {
    expect(resolveRetry(step, workflow)).toEqual(expected);
  });

  it("rejects a nonsense policy", () => {
    expect(() => resolveRetry({ maxAttempts: 0 }, undefined)).toThrow();
  });
});

describe("backoffDelay", () => {
  const policy = { maxAttempts: 10, initialBackoffMs: 100, base: 2, maxBackoffMs: 1000 };
  it.each([
    [1, 0, 50],
    [1, 1, 100],
    [2, 0, 100],
    [3, 0.5, 300],
    [5, 1, 1000], // 1600 nominal, capped at 1000
    [8, 0, 500],
  ])("attempt %i with random %f waits %i ms", (attempt, random, expected) => {
    expect(backoffDelay(policy, attempt, random)).toBe(expected);
  });
});

describe("shouldRetry", () => {
  it("retries retryable errors until maxAttempts", () => {
    const p = { ...DEFAULT_RETRY, maxAttempts: 3 };
    expect([1, 2, 3].map((a) => shouldRetry(p, a, true))).toEqual([true, true, false]);
    expect(shouldRetry(p, 1, false)).toBe(false);
  });
});
