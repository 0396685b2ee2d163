// A run's events as `events` prints them: one line each, seq and time first, then what it says.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/cli/event-stream.ts";
import { formatEvent } from "../../src/cli/format-event.ts";

const AT = Date.UTC(2026, 10, 17, 10, 0, 0);
const ev = (seq: number, type: string, data: Record<string, unknown>): RunEvent => ({ seq, type, at: AT, data });

describe("formatEvent", () => {
  it.each([
    [ev(1, "run.started", { runId: "run_a1", workflow: "await-approval", version: 1 }), "run.started      await-approval v1"],
    [ev(1, "run.started", { workflow: "w", version: 2, restartOf: "run_a0" }), "run.started      w v2, restarting run_a0"],
    [
      ev(2, "step.waiting", { seq: 0, name: "approval", kind: "signal", attempt: 1, until: AT + 1000 }),
      "step.waiting     #0 approval (signal), until 2026-11-17T10:00:01Z",
    ],
    [
      ev(3, "step.retrying", { seq: 2, name: "charge", kind: "action", attempt: 2, error: { code: "action.failed", message: "503" }, until: AT }),
      "step.retrying    #2 charge (action), attempt 2, until 2026-11-17T10:00:00Z, 503 (action.failed)",
    ],
    [ev(4, "signal.received", { signal: "approval", signalId: 1 }), 'signal.received  "approval"'],
    [ev(5, "signal.refused", { signal: "approval", signalId: 2, seq: 0, issues: [] }), 'signal.refused   "approval" refused by the wait at step 0'],
    [ev(6, "run.paused", {}), "run.paused"],
    [ev(6, "run.queued", { kind: "concurrency", key: "u1", position: 2 }), 'run.queued       in the concurrency line of "u1", 2 ahead'],
    [ev(6, "run.queued", { kind: "debounce", key: "" }), "run.queued       in the debounce line"],
    [ev(6, "run.admitted", { kind: "concurrency", waitedMs: 1500 }), "run.admitted     after 1500 ms in line"],
    [ev(7, "run.restarted", { restartedAs: "run_a1:r2", fromStep: 1, version: 1 }), "run.restarted    as run_a1:r2 from step 1"],
    [ev(8, "run.finished", { status: "completed" }), "run.finished     completed"],
    [ev(8, "run.finished", { status: "failed", error: { code: "test.first_time", message: "fails" } }), "run.finished     failed, fails (test.first_time)"],
    [ev(9, "custom.thing", { a: 1 }), 'custom.thing     {"a":1}'],
  ])("%j", (event, rest) => {
    expect(formatEvent(event)).toBe(`${String(event.seq).padStart(4)}  2026-11-17T10:00:00Z  ${rest}`);
  });
});
