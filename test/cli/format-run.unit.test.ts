// One run as `show` and `start --wait` print it: its fields, a text timeline of its steps, how it ended.
import { describe, expect, it } from "vitest";
import type { RunView, TimelineStep } from "../../src/cli/api.ts";
import { formatOutcome, formatRun, formatTimeline } from "../../src/cli/format-run.ts";

const T0 = Date.UTC(2026, 10, 17, 10, 0, 0);
const S = 1000;

const run = (over: Partial<RunView>): RunView => ({
  runId: "run_a1",
  workflow: "await-approval",
  status: "waiting",
  version: 2,
  args: { request: "ship v2" },
  createdAt: T0,
  updatedAt: T0 + S,
  completedAt: null,
  stepCount: 1,
  waitingFor: [],
  pausedAt: null,
  expiresAt: null,
  usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] },
  stats: { replayedSteps: 0, replayMs: null },
  ...over,
});

const step = (over: Partial<TimelineStep>): TimelineStep => ({
  seq: 0,
  name: "step",
  kind: "run",
  status: "completed",
  startedAt: T0,
  endedAt: T0 + 12,
  wakeAt: null,
  attempts: [{ attempt: 1, startedAt: T0, endedAt: T0 + 12, outcome: "completed" }],
  ...over,
});

describe("formatRun", () => {
  it("prints a live run's fields, what it waits for and its deadline", () => {
    const waiting = run({ waitingFor: [{ seq: 0, kind: "signal", signal: "approval", timeoutAt: T0 + 3600 * S, label: "approval" }] });
    expect(formatRun(waiting, T0 + 3 * S)).toEqual([
      "run       run_a1",
      "workflow  await-approval v2",
      "status    waiting",
      "created   2026-11-17T10:00:00Z (3.0 s ago)",
      "duration  3.0 s so far",
      'args      {"request":"ship v2"}',
      'waiting   signal "approval" [approval] (times out in 1.0 h)',
    ]);
  });

  it("prints a queued run's line and place, or when its debounce fires", () => {
    const queued = run({ status: "queued", stepCount: 0, queue: { kind: "concurrency", key: "u1", since: T0, position: 2, dueAt: null } });
    expect(formatRun(queued, T0 + 3 * S)).toContain('in line   concurrency "u1": 2 ahead, since 2026-11-17T10:00:00Z');
    const next = run({ status: "queued", queue: { kind: "throttle", key: "", since: T0, position: 0, dueAt: null } });
    expect(formatRun(next, T0)).toContain("in line   throttle: next, since 2026-11-17T10:00:00Z");
    const burst = run({ status: "queued", queue: { kind: "debounce", key: "u1", since: T0, position: 0, dueAt: T0 + 2 * S } });
    expect(formatRun(burst, T0)).toContain('in line   debounce "u1": starts in 2.0 s unless another start comes, since 2026-11-17T10:00:00Z');
  });

  it("prints a completed run's result and end, and its restart links", () => {
    const done = run({
      status: "completed",
      completedAt: T0 + 1200,
      result: { outcome: "approved" },
      restartOf: "run_a0",
      restartFromStep: 1,
      restartedAs: "run_a1:r2",
    });
    expect(formatRun(done, T0 + 60 * S)).toEqual([
      "run        run_a1",
      "workflow   await-approval v2",
      "status     completed",
      "created    2026-11-17T10:00:00Z (1.0 min ago)",
      "ended      2026-11-17T10:00:01Z (58.8 s ago)",
      "duration   1.2 s",
      'args       {"request":"ship v2"}',
      'result     {"outcome":"approved"}',
      "restarts   run_a0 from step 1",
      "restarted  as run_a1:r2",
    ]);
  });

  it("prints a failed run's error with its code, and when a paused run was paused", () => {
    const failed = run({ status: "failed", completedAt: T0 + 500, error: { code: "test.first_time", message: "fails the first time" } });
    expect(formatRun(failed, T0 + 500)).toContain("error     fails the first time (test.first_time)");
    const paused = run({ status: "sleeping", pausedAt: T0 + S });
    expect(formatRun(paused, T0 + 2 * S)).toEqual(expect.arrayContaining(["status    sleeping (paused)", "paused    since 2026-11-17T10:00:01Z"]));
  });

  it("prints the tokens of a run whose agents reported usage, by model, and nothing for one without", () => {
    const usage = {
      inputTokens: 30,
      outputTokens: 12,
      totalTokens: 42,
      byModel: [
        { model: "model-a", provider: "mock", inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        { model: "model-b", provider: "", inputTokens: 20, outputTokens: 7, totalTokens: 27 },
      ],
    };
    expect(formatRun(run({ usage }), T0)).toContain("tokens    42 (30 in, 12 out): model-a [mock] 15, model-b 27");
    expect(formatRun(run({}), T0).some((line) => line.startsWith("tokens"))).toBe(false);
  });
});

describe("formatTimeline", () => {
  it("prints one line per step: seq, name, kind, status, duration, and attempts when more than one", () => {
    const steps = [
      step({ seq: 0, name: "prepare" }),
      step({ seq: 1, name: "nap", kind: "sleep", startedAt: T0 + 12, endedAt: T0 + 2012 }),
      step({
        seq: 2,
        name: "charge",
        kind: "action",
        status: "failed",
        startedAt: T0 + 2012,
        endedAt: T0 + 5012,
        attempts: [
          { attempt: 1, startedAt: T0 + 2012, endedAt: T0 + 2100, outcome: "retrying", retryAt: T0 + 3100, error: { code: "action.failed", message: "503" } },
          { attempt: 2, startedAt: T0 + 3100, endedAt: T0 + 5012, outcome: "failed", error: { code: "action.non_retryable", message: "card declined" } },
        ],
      }),
      step({ seq: 3, name: "approval", kind: "signal", status: "waiting", startedAt: T0 + 5012, endedAt: null, wakeAt: T0 + 65_012, attempts: [] }),
      step({ seq: 4, name: "child", kind: "workflow", status: "running", startedAt: T0 + 5012, endedAt: null, childRunId: "run_c1", attempts: [] }),
    ];
    expect(formatTimeline(steps, T0 + 6012)).toEqual([
      "SEQ  NAME      KIND      STATUS     DURATION  NOTES",
      "0    prepare   run       completed  12 ms",
      "1    nap       sleep     completed  2.0 s",
      "2    charge    action    failed     3.0 s     2 attempts; card declined (action.non_retryable)",
      "3    approval  signal    waiting    1.0 s     times out in 59.0 s",
      "4    child     workflow  running    1.0 s     child run run_c1",
    ]);
  });

  it("says when there are no steps", () => {
    expect(formatTimeline([], T0)).toEqual(["No steps yet."]);
  });
});

describe("formatOutcome", () => {
  it.each([
    [run({ status: "completed", completedAt: T0 + 1234, result: { greeting: "Hello" } }), ["run_a1 completed after 1.2 s", 'result  {"greeting":"Hello"}']],
    [
      run({ status: "failed", completedAt: T0 + 18, error: { code: "test.first_time", message: "fails the first time" } }),
      ["run_a1 failed after 18 ms", "error   fails the first time (test.first_time)"],
    ],
    [
      run({ status: "canceled", completedAt: T0 + 2 * S, error: { code: "run.canceled", message: "canceled" } }),
      ["run_a1 canceled after 2.0 s", "error   canceled (run.canceled)"],
    ],
  ])("prints how %j ended", (ended, lines) => {
    expect(formatOutcome(ended)).toEqual(lines);
  });
});
