// Every transition of the journal, decided by the pure step machine: no runtime, no storage, a fake
// clock. The runtime tests prove that the run object applies these decisions durably.
import { describe, expect, it } from "vitest";
import type { JournalEntry, StepRecord } from "../../../src/engine/core/journal.ts";
import {
  afterAttempt,
  attemptStarted,
  cancelOpen,
  deliverSignal,
  failStep,
  onCall,
  onChildOutcome,
  onHandlerEnd,
  onLost,
  onTimer,
  replayed,
  retryDue,
  settlement,
  touchesTimers,
  type BufferedSignal,
  type CallInput,
  type CallShape,
  type StepWrite,
} from "../../../src/engine/core/step-machine.ts";
import { MAX_PAYLOAD_BYTES } from "../../../src/kernel/index.ts";

const NOW = 1_000_000;

/** A clock stopped at NOW whose chance and uuids are fixed, so every decision is exact. */
const clock = { now: () => NOW, random: () => 0.5, uuid: () => "uuid-1" };

/** The machine's answer to a step call; `now` stops the clock elsewhere. */
function call(c: CallShape, over: Partial<CallInput> & { now?: number } = {}): ReturnType<typeof onCall> {
  const { now = NOW, ...rest } = over;
  return onCall({
    seq: 3,
    call: c,
    journaled: undefined,
    runId: "r1",
    workflowRetry: undefined,
    clock: { ...clock, now: () => now },
    lostEarly: false,
    bufferedSignal: () => undefined,
    ...rest,
  });
}

const entry = (over: Partial<JournalEntry>): JournalEntry => ({
  seq: 3,
  name: "charge",
  kind: "action",
  status: "completed",
  attempts: 1,
  result: null,
  error: null,
  detail: null,
  ...over,
});
const row = (over: Partial<StepRecord>): StepRecord => ({ ...entry({}), args: null, startedAt: NOW - 10, completedAt: null, wakeAt: null, ...over });

const action: CallShape = { kind: "action", name: "charge", args: { cents: 5 } };
const buffered: BufferedSignal = { id: 7, payload: '{"approved":true}' };
const boom = { code: "billing.declined", message: "declined", retryable: true };

describe("a step the journal has not seen", () => {
  it.each([
    ["now", NOW],
    ["random", 0.5],
    ["uuid", "uuid-1"],
  ] as const)("%s is journaled completed with its value from the injected clock", (kind, value) => {
    expect(call({ kind, name: kind })).toEqual({
      writes: [
        {
          op: "insertStep",
          step: { seq: 3, name: kind, kind, status: "completed", attempts: 1, args: null, result: JSON.stringify(value), now: NOW, completedAt: NOW },
        },
      ],
      next: { type: "return", value },
    });
  });

  it("a sleep is journaled sleeping with its wake-up timer, and parks", () => {
    expect(call({ kind: "sleep", name: "nap", wake: { afterMs: 500 } })).toEqual({
      writes: [
        { op: "insertStep", step: { seq: 3, name: "nap", kind: "sleep", status: "sleeping", attempts: 1, args: null, now: NOW, wakeAt: NOW + 500 } },
        { op: "setTimer", kind: "sleep", seq: 3, at: NOW + 500 },
      ],
      next: { type: "park" },
    });
  });

  it.each([{ afterMs: 0 }, { at: NOW - 1 }, { at: NOW }])("a sleep already due (%j) completes at once without a timer", (wake) => {
    const t = call({ kind: "sleep", name: "nap", wake });
    expect(t.next).toEqual({ type: "return", value: undefined });
    expect(t.writes).toHaveLength(1);
    expect(t.writes[0]).toMatchObject({ op: "insertStep", step: { status: "completed", completedAt: NOW } });
  });

  it("sleepUntil wakes at the given time", () => {
    expect(call({ kind: "sleep", name: "until", wake: { at: NOW + 60_000 } }).writes[1]).toEqual({ op: "setTimer", kind: "sleep", seq: 3, at: NOW + 60_000 });
  });

  it("a wait takes a signal buffered for it in the same transaction, and returns its payload", () => {
    const asked: [string, number][] = [];
    const t = call(
      { kind: "signal", name: "approval" },
      {
        bufferedSignal: (name, seq) => {
          asked.push([name, seq]);
          return buffered;
        },
      },
    );
    expect(asked).toEqual([["approval", 3]]);
    expect(t).toEqual({
      writes: [
        { op: "consumeSignal", signalId: 7, seq: 3 },
        {
          op: "insertStep",
          step: {
            seq: 3,
            name: "approval",
            kind: "signal",
            status: "completed",
            attempts: 1,
            args: null,
            result: buffered.payload,
            now: NOW,
            completedAt: NOW,
            detail: '{"signal":"approval","timeoutAt":null}',
          },
        },
      ],
      next: { type: "return", value: { approved: true } },
    });
  });

  it.each([
    [undefined, null, 1],
    [5_000, NOW + 5_000, 2],
    [-5, NOW, 2],
  ] as const)("a wait with timeout %s is journaled waiting until %s (%i writes), and parks", (timeout, timeoutAt, writes) => {
    const t = call({ kind: "signal", name: "approval", timeout });
    expect(t.next).toEqual({ type: "park" });
    expect(t.writes).toHaveLength(writes);
    expect(t.writes[0]).toMatchObject({
      op: "insertStep",
      step: { status: "waiting", wakeAt: timeoutAt, detail: JSON.stringify({ signal: "approval", timeoutAt }) },
    });
    if (timeoutAt !== null) expect(t.writes[1]).toEqual({ op: "setTimer", kind: "signal_timeout", seq: 3, at: timeoutAt });
  });

  it("a child workflow is journaled waiting with the child's run id, derived from the parent's and the seq", () => {
    const t = call({ kind: "workflow", name: "child", workflow: { name: "child-wf" }, args: { n: 1 } });
    expect(t).toEqual({
      writes: [
        {
          op: "insertStep",
          step: {
            seq: 3,
            name: "child",
            kind: "workflow",
            status: "waiting",
            attempts: 1,
            args: '{"n":1}',
            now: NOW,
            detail: '{"childRunId":"r1.3","workflow":"child-wf"}',
          },
        },
      ],
      next: { type: "child", childRunId: "r1.3", workflow: "child-wf" },
    });
  });

  it.each(["action", "mutation", "run"] as const)("a %s is journaled running with its args, and its first attempt starts", (kind) => {
    expect(call({ ...action, kind })).toEqual({
      writes: [{ op: "insertStep", step: { seq: 3, name: "charge", kind, status: "running", attempts: 1, args: '{"cents":5}', now: NOW } }],
      next: { type: "attempt", attempt: 1 },
    });
  });

  it.each([
    ["not serializable", { kind: "action", name: "charge", args: { n: 1n } }, "step.payload_not_serializable"],
    ["too large", { kind: "action", name: "charge", args: "x".repeat(MAX_PAYLOAD_BYTES + 1) }, "step.payload_too_large"],
    ["a child's args not serializable", { kind: "workflow", name: "child", workflow: { name: "c" }, args: { n: 1n } }, "step.payload_not_serializable"],
  ] as const)("args that are %s fail the step, journaled failed so a replay agrees", (_, c, code) => {
    const t = call(c as CallShape);
    expect(t.next).toMatchObject({ type: "throw", error: { code } });
    expect(t.writes).toEqual([{ op: "insertStep", step: expect.objectContaining({ status: "failed", attempts: 0, args: null, completedAt: NOW }) }]);
    expect(JSON.parse((t.writes[0] as Extract<StepWrite, { op: "insertStep" }>).step.error!).code).toBe(code);
  });

  it.each([
    { kind: "sleep", name: "nap", wake: { afterMs: 10 } },
    { kind: "signal", name: "go" },
  ] as const)("a $kind that lost its race before it was journaled is journaled abandoned and rejects", (c) => {
    const t = call(c, { lostEarly: true });
    expect(t.next).toMatchObject({ type: "throw", error: { code: "step.abandoned" } });
    expect(t.writes).toEqual([{ op: "insertStep", step: expect.objectContaining({ kind: c.kind, status: "abandoned", attempts: 0, completedAt: NOW }) }]);
  });

  it("an action that lost its race early still runs (nobody reads it)", () => {
    expect(call(action, { lostEarly: true }).next).toEqual({ type: "attempt", attempt: 1 });
  });
});

describe("replaying a journaled step", () => {
  it.each([
    ['{"id":1}', { id: 1 }],
    [null, undefined],
  ])("a completed step returns its journaled result %s without writing", (result, value) => {
    expect(call(action, { journaled: entry({ result }) })).toEqual({ writes: [], next: { type: "return", value } });
  });

  it.each(["running", "retrying", "sleeping", "waiting"] as const)("replayed() leaves a %s row to resume (null); onCall resumes it", (status) => {
    expect(replayed(3, action, entry({ status }))).toBeNull();
    expect(call(action, { journaled: entry({ status }) }).next.type).not.toBe("return");
  });

  it("a replayed step reads no clock and no chance", () => {
    const untouchable = {
      now: () => expect.unreachable("now"),
      random: () => expect.unreachable("random"),
      uuid: () => expect.unreachable("uuid"),
    };
    expect(call({ kind: "random", name: "random" }, { journaled: entry({ kind: "random", name: "random", result: "0.25" }), clock: untouchable }).next).toEqual(
      {
        type: "return",
        value: 0.25,
      },
    );
  });

  it.each(["failed", "canceled"] as const)("a %s step throws its journaled error", (status) => {
    expect(call(action, { journaled: entry({ status, error: JSON.stringify(boom) }) })).toEqual({ writes: [], next: { type: "throw", error: boom } });
  });

  it("an abandoned step parks: it rejects when its race settles again", () => {
    expect(call({ kind: "sleep", name: "nap", wake: { afterMs: 5 } }, { journaled: entry({ kind: "sleep", name: "nap", status: "abandoned" }) })).toEqual({
      writes: [],
      next: { type: "park" },
    });
  });

  it.each([
    [{ kind: "action", name: "refund", args: null }, 'action "refund"'],
    [{ kind: "run", name: "charge", args: null }, 'run "charge"'],
  ] as const)("a different name or kind (%j) is non-determinism naming the seq, the journal's step and the handler's", (c, actual) => {
    const t = call(c as CallShape, { journaled: entry({}) });
    expect(t.writes).toEqual([]);
    expect(t.next).toMatchObject({
      type: "nonDeterminism",
      error: {
        code: "step.non_determinism",
        message: `non-determinism at step 3: the journal has action "charge", the handler now calls ${actual}`,
        details: { seq: 3 },
      },
    });
  });
});

describe("the handler ends", () => {
  it("with every journal row reached, nothing is wrong", () => {
    expect(onHandlerEnd([])).toBeNull();
  });

  it("with rows it never reached, the run fails naming the first of them", () => {
    const error = onHandlerEnd([entry({ seq: 9, name: "late" }), entry({ seq: 4, kind: "sleep", name: "nap" })]);
    expect(error).toMatchObject({
      code: "step.non_determinism",
      message: 'non-determinism at step 4: the journal has sleep "nap", the handler now calls no step (the handler returned)',
    });
  });
});

describe("resuming a step the journal has open", () => {
  it("a sleep parks until its timer", () => {
    expect(call({ kind: "sleep", name: "nap", wake: { afterMs: 5 } }, { journaled: entry({ kind: "sleep", name: "nap", status: "sleeping" }) }).next).toEqual({
      type: "park",
    });
  });

  it("a wait takes a signal buffered for it (by an engine that matched in memory) or parks", () => {
    const waiting = entry({ kind: "signal", name: "go", status: "waiting" });
    expect(call({ kind: "signal", name: "go" }, { journaled: waiting }).next).toEqual({ type: "park" });
    expect(call({ kind: "signal", name: "go" }, { journaled: waiting, bufferedSignal: () => buffered })).toEqual({
      writes: deliverSignal(buffered, 3, NOW),
      next: { type: "return", value: { approved: true } },
    });
  });

  it("a child step waits for the child journaled in its detail", () => {
    const journaled = entry({ kind: "workflow", name: "child", status: "waiting", detail: '{"childRunId":"r1.3","workflow":"child-wf"}' });
    expect(call({ kind: "workflow", name: "child", workflow: { name: "renamed" }, args: null }, { journaled }).next).toEqual({
      type: "child",
      childRunId: "r1.3",
      workflow: "child-wf",
    });
  });

  it("a step waiting out a backoff waits for its retry timer", () => {
    expect(call(action, { journaled: entry({ status: "retrying", attempts: 2 }) })).toEqual({ writes: [], next: { type: "retryLater", attempt: 2 } });
  });

  it.each([
    // [retry option, attempts journaled, runs again]: an interrupted attempt runs again while the policy
    // has attempts left, and in any case until three attempts in all.
    [undefined, 1, true],
    [undefined, 2, true],
    [undefined, 3, false],
    [{ maxAttempts: 5 }, 4, true],
    [{ maxAttempts: 5 }, 5, false],
    [false, 2, true],
  ] as const)("retry %j, attempt %i cut off: runs again = %s", (retry, attempts, again) => {
    const t = call({ ...action, retry } as CallShape, { journaled: entry({ status: "running", attempts }) });
    if (again) {
      expect(t).toEqual({
        writes: [{ op: "updateStep", seq: 3, patch: { status: "running", attempts: attempts + 1 }, at: NOW }],
        next: { type: "attempt", attempt: attempts + 1 },
      });
    } else {
      expect(t.next).toMatchObject({ type: "throw", error: { code: "step.interrupted", retryable: false } });
      expect(t.writes).toEqual([
        expect.objectContaining({ op: "updateStep", patch: expect.objectContaining({ status: "failed" }) }),
        { op: "deleteStepTimers", seq: 3 },
      ]);
    }
  });

  it("the workflow's default policy counts for an interrupted step without its own", () => {
    const t = call(action, { journaled: entry({ status: "running", attempts: 4 }), workflowRetry: { maxAttempts: 6 } });
    expect(t.next).toEqual({ type: "attempt", attempt: 5 });
  });

  it.each(["now", "random", "uuid"] as const)("an open %s step is a corrupt journal (they are journaled complete)", (kind) => {
    expect(call({ kind, name: kind }, { journaled: entry({ kind, name: kind, status: "running" }) }).next).toMatchObject({
      type: "throw",
      error: { code: "step.corrupt_journal" },
    });
  });
});

describe("an attempt ends", () => {
  const policy = { maxAttempts: 3, initialBackoffMs: 1_000, base: 2, maxBackoffMs: 60_000 };
  const attempt = (over: Partial<Parameters<typeof afterAttempt>[0]>) =>
    afterAttempt({ seq: 3, name: "charge", attempt: 1, outcome: { ok: true, value: { id: 9 } }, policy, timed: false, now: NOW, clock, ...over });

  it("a success completes the step with its result", () => {
    expect(attempt({})).toEqual({
      writes: [{ op: "updateStep", seq: 3, patch: { status: "completed", result: '{"id":9}', completedAt: NOW }, at: NOW }],
      next: { type: "return", value: { id: 9 } },
    });
  });

  it("a success of a step with a timeout also drops its timeout timer", () => {
    expect(attempt({ timed: true }).writes[1]).toEqual({ op: "deleteTimer", kind: "step_timeout", seq: 3 });
  });

  it("a result that cannot be journaled fails the step (not retried)", () => {
    const t = attempt({ outcome: { ok: true, value: { n: 1n } } });
    expect(t.next).toMatchObject({ type: "throw", error: { code: "step.payload_not_serializable" } });
  });

  it.each([
    // [attempt that failed, chance drawn, backoff]: equal jitter, half fixed and half random.
    [1, 0, 500],
    [1, 0.5, 750],
    [1, 1, 1_000],
    [2, 0.5, 1_500],
  ])("a retryable failure of attempt %i with chance %d backs off %i ms on a retry timer", (n, random, backoff) => {
    const t = attempt({ attempt: n, outcome: { ok: false, error: boom }, clock: { random: () => random } });
    expect(t).toEqual({
      writes: [
        { op: "updateStep", seq: 3, patch: { status: "retrying", error: JSON.stringify(boom), wakeAt: NOW + backoff }, at: NOW },
        { op: "deleteTimer", kind: "step_timeout", seq: 3 },
        { op: "setTimer", kind: "retry", seq: 3, at: NOW + backoff },
      ],
      next: { type: "retryLater", attempt: n },
    });
  });

  it.each([
    ["the last attempt", 3, boom],
    ["a failure that is not retryable", 1, { ...boom, retryable: false }],
  ])("%s fails the step, and its timers go with it", (_, n, error) => {
    expect(attempt({ attempt: n, outcome: { ok: false, error } })).toEqual(failStep(3, NOW, error));
    expect(failStep(3, NOW, error).writes).toEqual([
      { op: "updateStep", seq: 3, patch: { status: "failed", error: JSON.stringify(error), completedAt: NOW }, at: NOW },
      { op: "deleteStepTimers", seq: 3 },
    ]);
  });

  it.each([
    ["a success", { ok: true as const, value: 1 }, 1, "return"],
    ["a failure that is retried", { ok: false as const, error: boom }, 1, "retryLater"],
    ["a failure of the last attempt", { ok: false as const, error: boom }, 3, "throw"],
    ["a result that cannot be journaled", { ok: true as const, value: 1n }, 1, "throw"],
  ])("%s journals the usage the attempt reported first, in the same transition", (_, outcome, n, next) => {
    const usage = [{ key: null, model: "m", provider: "p", inputTokens: 3, outputTokens: 2, totalTokens: 5 }];
    const t = attempt({ attempt: n, outcome, usage });
    expect(t.writes[0]).toEqual({ op: "recordUsage", seq: 3, attempt: n, entries: usage });
    expect(t.writes.slice(1)).toEqual(attempt({ attempt: n, outcome }).writes);
    expect(t.next.type).toBe(next);
  });

  it("an attempt that reported nothing writes no usage", () => {
    expect(attempt({ usage: [] })).toEqual(attempt({}));
  });

  it("the next attempt is journaled as it starts, so a crash inside it counts it", () => {
    expect(retryDue(3, 2, NOW)).toEqual({
      writes: [{ op: "updateStep", seq: 3, patch: { status: "running", attempts: 3 }, at: NOW }],
      next: { type: "attempt", attempt: 3 },
    });
  });

  it("an attempt with a timeout arms its timer as it starts", () => {
    expect(attemptStarted(3, undefined, NOW)).toEqual([]);
    expect(attemptStarted(3, 250, NOW)).toEqual([{ op: "setTimer", kind: "step_timeout", seq: 3, at: NOW + 250 }]);
  });
});

describe("a timer fires", () => {
  const del = (kind: string, seq = 3) => ({ op: "deleteTimer", kind, seq });
  it.each([
    ["watchdog", undefined, "watchdog", []],
    ["step_timeout", undefined, "abort", []],
    ["sleep", "sleeping", "settle", [{ op: "updateStep", seq: 3, patch: { status: "completed", completedAt: NOW }, at: NOW }]],
    ["retry", "retrying", "settle", [{ op: "updateStep", seq: 3, patch: { status: "running" }, at: NOW, event: false }]],
    ["signal_timeout", "waiting", "settle", [{ op: "updateStep", seq: 3, patch: { status: "completed", result: "null", completedAt: NOW }, at: NOW }]],
    ["sleep", "completed", "stale", []],
    ["retry", "running", "stale", []],
    ["signal_timeout", "completed", "stale", []],
    ["signal_timeout", "abandoned", "stale", []],
  ] as const)("a %s timer on a %s step: %s", (kind, status, effect, updates) => {
    const step = status === undefined ? undefined : { seq: 3, status };
    expect(onTimer({ kind, seq: kind === "watchdog" ? -1 : 3 }, step, NOW)).toEqual({ writes: [del(kind, kind === "watchdog" ? -1 : 3), ...updates], effect });
  });

  it("a timer whose step is gone is only deleted", () => {
    expect(onTimer({ kind: "sleep", seq: 3 }, undefined, NOW)).toEqual({ writes: [del("sleep")], effect: "stale" });
  });
});

describe("what else reaches a parked step", () => {
  it("a signal delivered into a wait is consumed, completes the wait with its payload and drops its timers", () => {
    expect(deliverSignal(buffered, 3, NOW)).toEqual([
      { op: "consumeSignal", signalId: 7, seq: 3 },
      { op: "updateStep", seq: 3, patch: { status: "completed", result: buffered.payload, completedAt: NOW }, at: NOW },
      { op: "deleteStepTimers", seq: 3 },
    ]);
  });

  const child = row({ kind: "workflow", name: "child", status: "waiting", detail: '{"childRunId":"r1.3","workflow":"c"}' });
  it.each([
    ["completed", { status: "completed", result: { ok: 1 } }, { status: "completed", result: '{"ok":1}', completedAt: NOW }],
    ["failed", { status: "failed", error: boom }, { status: "failed", error: JSON.stringify(boom), completedAt: NOW }],
    [
      "canceled",
      { status: "canceled" },
      { status: "failed", error: JSON.stringify({ code: "run.canceled", message: "child run r1.3 was canceled" }), completedAt: NOW },
    ],
  ] as const)("a child that %s settles its step", (_, outcome, patch) => {
    expect(onChildOutcome(child, "r1.3", outcome, NOW)).toEqual([{ op: "updateStep", seq: 3, patch, at: NOW }]);
  });

  it("a child's result that cannot be journaled fails the step", () => {
    const [w] = onChildOutcome(child, "r1.3", { status: "completed", result: { n: 1n } }, NOW)!;
    expect(w).toMatchObject({ op: "updateStep", patch: { status: "failed" } });
  });

  it.each([
    ["another child's notice", child, "r1.9"],
    ["a step that already settled", { ...child, status: "completed" as const }, "r1.3"],
    ["a step that is not a child", row({ status: "waiting" }), "r1.3"],
    ["no step", undefined, "r1.3"],
  ])("%s changes nothing", (_, step, childRunId) => {
    expect(onChildOutcome(step, childRunId, { status: "completed", result: 1 }, NOW)).toBeNull();
  });

  it.each([
    ["a sleeping sleep", { kind: "sleep", status: "sleeping" }, "abandon"],
    ["a waiting wait", { kind: "signal", status: "waiting" }, "abandon"],
    ["an abandoned step (its race settled again)", { kind: "sleep", status: "abandoned" }, "settle"],
    ["a running action (it runs to its end)", { kind: "action", status: "running" }, "none"],
    ["a completed wait", { kind: "signal", status: "completed" }, "none"],
    ["a waiting child", { kind: "workflow", status: "waiting" }, "none"],
  ] as const)("a lost race on %s: %s", (_, step, type) => {
    const lost = onLost({ seq: 3, ...step }, NOW);
    expect(lost.type).toBe(type);
    if (lost.type === "abandon") {
      expect(lost.writes).toEqual([
        { op: "updateStep", seq: 3, patch: { status: "abandoned", error: expect.stringContaining("step.abandoned"), completedAt: NOW }, at: NOW },
        { op: "deleteStepTimers", seq: 3 },
      ]);
    }
  });

  it("a lost race on a step not yet journaled is remembered until its call journals it", () => {
    expect(onLost(undefined, NOW)).toEqual({ type: "early" });
  });

  it("the end of a run cancels every open step", () => {
    expect(cancelOpen([{ seq: 1 }, { seq: 4 }], NOW)).toEqual([
      { op: "updateStep", seq: 1, patch: { status: "canceled", completedAt: NOW }, at: NOW },
      { op: "updateStep", seq: 4, patch: { status: "canceled", completedAt: NOW }, at: NOW },
    ]);
  });
});

describe("settling a parked promise from its row", () => {
  it.each([
    [
      { status: "completed", result: '"hi"', error: null },
      { ok: true, value: "hi" },
    ],
    [
      { status: "completed", result: "null", error: null },
      { ok: true, value: null },
    ],
    [
      { status: "running", result: null, error: null },
      { ok: true, value: undefined },
    ],
    [
      { status: "failed", result: null, error: JSON.stringify(boom) },
      { ok: false, error: boom },
    ],
    [
      { status: "abandoned", result: null, error: '{"code":"step.abandoned","message":"lost"}' },
      { ok: false, error: { code: "step.abandoned", message: "lost" } },
    ],
  ] as const)("%j settles as %j", (record, expected) => {
    expect(settlement(record)).toEqual(expected);
  });
});

describe("a whole step's life, the writes applied to an in-memory journal", () => {
  /** A journal and timers kept the way the run store keeps them, from the machine's writes alone. */
  function journal() {
    const steps = new Map<number, StepRecord>();
    const timers = new Map<string, number>();
    const apply = (writes: readonly StepWrite[]) => {
      for (const w of writes) {
        if (w.op === "insertStep") steps.set(w.step.seq, row({ ...w.step, startedAt: w.step.now, result: w.step.result ?? null, error: w.step.error ?? null }));
        else if (w.op === "updateStep") steps.set(w.seq, { ...steps.get(w.seq)!, ...w.patch });
        else if (w.op === "setTimer") timers.set(`${w.kind}:${w.seq}`, w.at);
        else if (w.op === "deleteTimer") timers.delete(`${w.kind}:${w.seq}`);
        else if (w.op === "deleteStepTimers") for (const k of [...timers.keys()]) if (k.endsWith(`:${w.seq}`)) timers.delete(k);
      }
    };
    return { steps, timers, apply };
  }

  it("an action that fails twice, is cut off once, then succeeds: attempts, timers and the replay agree", () => {
    const j = journal();
    const policy = { maxAttempts: 4, initialBackoffMs: 100, base: 2, maxBackoffMs: 1_000 };
    const c: CallShape = { kind: "action", name: "charge", args: null, retry: policy, timeout: 50 };
    let now = NOW;
    let t = call(c, { now });
    j.apply(t.writes);
    expect(t.next).toEqual({ type: "attempt", attempt: 1 });
    j.apply(attemptStarted(3, 50, now));
    expect(j.timers.get("step_timeout:3")).toBe(now + 50);
    // Attempt 1 fails: a backoff of 50 + 50 * 0.5 ms on a retry timer; the timeout timer is gone.
    t = afterAttempt({ seq: 3, name: "charge", attempt: 1, outcome: { ok: false, error: boom }, policy, timed: true, now, clock });
    j.apply(t.writes);
    expect([...j.timers]).toEqual([["retry:3", now + 75]]);
    expect(j.steps.get(3)).toMatchObject({ status: "retrying", attempts: 1 });
    // The retry timer fires, then attempt 2 starts and is cut off by a crash.
    now += 75;
    const fired = onTimer({ kind: "retry", seq: 3 }, j.steps.get(3), now);
    j.apply(fired.writes);
    expect(fired.effect).toBe("settle");
    j.apply(retryDue(3, 1, now).writes);
    expect(j.steps.get(3)).toMatchObject({ status: "running", attempts: 2 });
    // After the restart the handler replays: the journal says attempt 2 was cut off, so attempt 3 runs.
    t = call(c, { journaled: j.steps.get(3), now });
    j.apply(t.writes);
    expect(t.next).toEqual({ type: "attempt", attempt: 3 });
    t = afterAttempt({ seq: 3, name: "charge", attempt: 3, outcome: { ok: true, value: "paid" }, policy, timed: true, now, clock });
    j.apply(t.writes);
    expect(j.steps.get(3)).toMatchObject({ status: "completed", attempts: 3, result: '"paid"' });
    expect(j.timers.size).toBe(0);
    // A later replay returns the journaled result and writes nothing.
    expect(call(c, { journaled: j.steps.get(3), now: now + 1 })).toEqual({ writes: [], next: { type: "return", value: "paid" } });
  });
});

describe("touchesTimers", () => {
  it.each([
    [[], false],
    [cancelOpen([{ seq: 1 }], NOW), false],
    [attemptStarted(3, 5, NOW), true],
    [deliverSignal(buffered, 3, NOW), true],
  ] as const)("%j: %s", (writes, expected) => {
    expect(touchesTimers(writes)).toBe(expected);
  });
});
