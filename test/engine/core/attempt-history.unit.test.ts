// The attempt spans of the run timeline, from a journal row alone or from the step's events.
import { describe, expect, it } from "vitest";
import { attemptFromRow, attemptsFromEvents, needsEvents, type AttemptEvent, type AttemptRow } from "../../../src/engine/core/attempt-history.ts";

const row = (over: Partial<AttemptRow> = {}): AttemptRow => ({
  kind: "action",
  status: "completed",
  attempts: 1,
  startedAt: 100,
  completedAt: 150,
  wakeAt: null,
  error: null,
  ...over,
});
const ev = (type: string, at: number, over: Partial<AttemptEvent> = {}): AttemptEvent => ({ type, at, attempt: null, until: null, error: null, ...over });
const boom = { code: "action.failed", message: "boom" };

describe("needsEvents", () => {
  it.each([
    [row(), false],
    [row({ attempts: 2 }), true],
    [row({ status: "retrying", wakeAt: 900 }), true],
    [row({ kind: "sleep", status: "sleeping", wakeAt: 900 }), false],
    [row({ kind: "signal", status: "waiting", wakeAt: 900 }), false],
  ])("%o: %s", (r, expected) => expect(needsEvents(r)).toBe(expected));
});

describe("attemptFromRow", () => {
  it.each([
    [row(), [{ attempt: 1, startedAt: 100, endedAt: 150, outcome: "completed" }]],
    [row({ status: "running", completedAt: null }), [{ attempt: 1, startedAt: 100, endedAt: null, outcome: "running" }]],
    [row({ kind: "sleep", status: "sleeping", completedAt: null, wakeAt: 900 }), [{ attempt: 1, startedAt: 100, endedAt: null, outcome: "running" }]],
    [row({ status: "failed", error: boom }), [{ attempt: 1, startedAt: 100, endedAt: 150, outcome: "failed", error: boom }]],
    [row({ status: "failed", attempts: 0, error: boom }), []],
  ])("%o", (r, spans) => expect(attemptFromRow(r)).toEqual(spans));
});

describe("attemptsFromEvents", () => {
  it("rebuilds retries with their backoffs, and the last attempt's end", () => {
    const events = [
      ev("step.started", 100, { attempt: 1 }),
      ev("step.retrying", 110, { attempt: 1, until: 600, error: boom }),
      ev("step.started", 600, { attempt: 2 }),
      ev("step.completed", 640, { attempt: 2 }),
    ];
    expect(attemptsFromEvents(row({ attempts: 2, completedAt: 640, wakeAt: 600 }), events)).toEqual([
      { attempt: 1, startedAt: 100, endedAt: 110, outcome: "retrying", retryAt: 600, error: boom },
      { attempt: 2, startedAt: 600, endedAt: 640, outcome: "completed" },
    ]);
  });

  it("closes an attempt a crash cut off when the next one starts, and leaves the last one open while it runs", () => {
    const events = [ev("step.started", 100, { attempt: 1 }), ev("step.started", 5_000, { attempt: 2 })];
    expect(attemptsFromEvents(row({ attempts: 2, status: "running", completedAt: null }), events)).toEqual([
      { attempt: 1, startedAt: 100, endedAt: 5_000, outcome: "interrupted" },
      { attempt: 2, startedAt: 5_000, endedAt: null, outcome: "running" },
    ]);
  });

  it("ends with a failure that carries its error, and ignores an end with no attempt open", () => {
    const events = [ev("step.started", 100, { attempt: 1 }), ev("step.retrying", 110, { until: 600, error: boom }), ev("step.canceled", 300)];
    expect(attemptsFromEvents(row({ attempts: 1, status: "canceled", completedAt: 300, wakeAt: 600 }), events)).toEqual([
      { attempt: 1, startedAt: 100, endedAt: 110, outcome: "retrying", retryAt: 600, error: boom },
    ]);
  });

  it("falls back to the row when the step's events are not there (a step kept by a restart)", () => {
    expect(attemptsFromEvents(row({ attempts: 3, completedAt: 640 }), [])).toEqual([{ attempt: 3, startedAt: 100, endedAt: 640, outcome: "completed" }]);
  });
});
