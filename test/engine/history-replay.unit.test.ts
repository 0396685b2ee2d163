// replayHistory on plain definitions in Node: code that agrees with a history passes (finished, live,
// parallel, patched), code that differs fails at the first differing seq in the engine's words, and no
// action, mutation or child ever executes.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { abandonedError } from "../../src/engine/core/step-machine.ts";
import { nonDeterminism } from "../../src/engine/core/journal.ts";
import { defineAction, defineMutation, defineWorkflow } from "../../src/engine/define.ts";
import { formatReplayReport, replayHistory } from "../../src/engine/history-replay.ts";
import { HISTORY_FORMAT, type HistoryStep, type RunHistory } from "../../src/engine/history.ts";
import { Registry } from "../../src/engine/registry.ts";
import { StepwiseError } from "../../src/kernel/errors.ts";

/** What ran for real: must stay empty, whatever is replayed. */
const executed: string[] = [];
afterEach(() => {
  expect(executed).toEqual([]);
  executed.length = 0;
});

const fetchOrder = defineAction({
  name: "orders.fetch",
  args: z.object({ id: z.string() }),
  handler: async (_ctx, { id }) => {
    executed.push(`fetch ${id}`);
    return { id, total: 3 };
  },
});
const charge = defineMutation({
  name: "orders.charge",
  args: z.object({ id: z.string(), amount: z.number() }),
  handler: async () => {
    executed.push("charge");
    return "ch_live";
  },
});
const receipt = defineWorkflow({
  name: "receipt",
  args: z.object({ id: z.string() }),
  handler: async (step, { id }) => {
    executed.push("receipt");
    return step.run("render", () => `receipt ${id}`);
  },
});

const Args = z.object({ id: z.string() });

/** Fetch, wait for approval, charge, send a receipt (a child run), cool off. */
const checkoutV1 = defineWorkflow({
  name: "checkout",
  version: 1,
  args: Args,
  handler: async (step, { id }) => {
    const order = await step.runAction(fetchOrder, { id });
    const approved = await step.waitForSignal<boolean>("approve", { timeout: 60_000 });
    if (approved !== true) return "declined";
    const charged = await step.runMutation(charge, { id, amount: order.total });
    const sent = await step.runWorkflow(receipt, { id });
    await step.sleep(1000, { name: "cool-off" });
    return { charged, sent };
  },
});

/** v2 audits before the wait: a step inserted where v1 journaled the wait. */
const checkoutV2 = defineWorkflow({
  name: "checkout",
  version: 2,
  args: Args,
  handler: async (step, { id }) => {
    const order = await step.runAction(fetchOrder, { id });
    await step.run("audit", () => executed.push("audit"));
    await step.waitForSignal("approve", { timeout: 60_000 });
    return step.runMutation(charge, { id, amount: order.total });
  },
});

/** v3 stops after the charge: the receipt and the cool-off v1 journaled are never reached. */
const checkoutV3 = defineWorkflow({
  name: "checkout",
  version: 3,
  args: Args,
  handler: async (step, { id }) => {
    const order = await step.runAction(fetchOrder, { id });
    await step.waitForSignal("approve", { timeout: 60_000 });
    return step.runMutation(charge, { id, amount: order.total });
  },
});

/** v4 is v1 with one more step at the end. */
const checkoutV4 = defineWorkflow({
  name: "checkout",
  version: 4,
  args: Args,
  handler: async (step, args) => {
    const v1 = await checkoutV1.handler(step, args);
    await step.run("thank", () => executed.push("thank"));
    return v1;
  },
});

const registry = new Registry([fetchOrder, charge, receipt, checkoutV1, checkoutV2, checkoutV3, checkoutV4]);

const T = 1_800_000_000_000;

function row(seq: number, kind: HistoryStep["kind"], name: string, extra: Partial<HistoryStep> = {}): HistoryStep {
  return { seq, name, kind, status: "completed", attempts: 1, startedAt: T + seq, completedAt: T + seq, ...extra };
}

function historyOf(workflow: string, steps: HistoryStep[], extra: Partial<RunHistory> = {}): RunHistory {
  return {
    format: HISTORY_FORMAT,
    runId: "run_replay",
    workflow,
    version: 1,
    status: "completed",
    args: { id: "o1" },
    createdAt: T,
    completedAt: T + 100,
    exportedAt: T + 200,
    steps,
    patches: [],
    signals: [],
    ...extra,
  };
}

const approveWait = (status: HistoryStep["status"] = "completed") =>
  row(1, "signal", "approve", {
    status,
    ...(status === "completed" ? { result: true } : { completedAt: null }),
    detail: { signal: "approve", timeoutAt: T + 60_001 },
  });

/** A finished v1 run, as the run object exports it. */
const finished = historyOf(
  "checkout",
  [
    row(0, "action", "orders.fetch", { args: { id: "o1" }, result: { id: "o1", total: 3 } }),
    approveWait(),
    row(2, "mutation", "orders.charge", { args: { id: "o1", amount: 3 }, result: "ch_1" }),
    row(3, "workflow", "receipt", { args: { id: "o1" }, result: "receipt o1", detail: { childRunId: "run_replay.3", workflow: "receipt" } }),
    row(4, "sleep", "cool-off"),
  ],
  { result: { charged: "ch_1", sent: "receipt o1" }, signals: [{ name: "approve", payload: true, receivedAt: T + 2, takenBy: 1 }] },
);

/** A v1 run exported while it waited for approval. */
const waiting = historyOf("checkout", [finished.steps[0]!, approveWait("waiting")], { status: "waiting", completedAt: null });

describe("replayHistory: code that agrees with the history", () => {
  it("replays a finished run to its end with the journaled values, executing nothing", async () => {
    const report = await replayHistory(registry, finished);
    expect(report).toEqual({
      ok: true,
      runId: "run_replay",
      workflow: "checkout",
      version: 1,
      replayedSteps: 5,
      ended: "returned",
      result: { charged: "ch_1", sent: "receipt o1" },
    });
  });

  it("replays a history that went through a file (JSON text) the same way", async () => {
    const saved: unknown = JSON.parse(JSON.stringify(finished));
    // SAFETY: replayHistory parses what it is given; this is the round trip a saved file makes.
    expect(await replayHistory(registry, saved as RunHistory)).toMatchObject({ ok: true, replayedSteps: 5 });
  });

  it("stops where a live run waits, and passes: the code agrees with everything journaled", async () => {
    expect(await replayHistory(registry, waiting)).toEqual({
      ok: true,
      runId: "run_replay",
      workflow: "checkout",
      version: 1,
      replayedSteps: 2,
      ended: "parked",
    });
  });

  it("passes code that adds steps after the last journaled one (it parks at the history's end)", async () => {
    expect(await replayHistory(registry, finished, { version: 4 })).toMatchObject({ ok: true, version: 4, replayedSteps: 5, ended: "parked" });
  });

  it("hands the handler a failed step's error with its code, as the engine does", async () => {
    const failed = historyOf("checkout", [row(0, "action", "orders.fetch", { status: "failed", error: { code: "orders.missing", message: "no order o1" } })], {
      status: "failed",
      error: { code: "orders.missing", message: "no order o1" },
    });
    expect(await replayHistory(registry, failed)).toMatchObject({
      ok: true,
      replayedSteps: 1,
      ended: "threw",
      error: { code: "orders.missing", message: "no order o1" },
    });
  });
});

describe("replayHistory: code that differs", () => {
  it("reports a step inserted before a journaled one: its seq, both steps, the engine's message", async () => {
    const report = await replayHistory(registry, finished, { version: 2 });
    expect(report).toEqual({
      ok: false,
      runId: "run_replay",
      workflow: "checkout",
      version: 2,
      seq: 1,
      expected: { kind: "signal", name: "approve" },
      actual: { kind: "run", name: "audit" },
      code: "step.non_determinism",
      message: nonDeterminism(1, 'signal "approve"', 'run "audit"').message,
    });
    expect(report.ok === false && report.message).toBe('non-determinism at step 1: the journal has signal "approve", the handler now calls run "audit"');
  });

  it("checks a step the history holds open too (a live run would fail on the deploy)", async () => {
    expect(await replayHistory(registry, waiting, { version: 2 })).toMatchObject({ ok: false, seq: 1, actual: { kind: "run", name: "audit" } });
  });

  it("reports journaled steps a handler that returned never reached, as the engine fails such a run", async () => {
    expect(await replayHistory(registry, finished, { version: 3 })).toEqual({
      ok: false,
      runId: "run_replay",
      workflow: "checkout",
      version: 3,
      seq: 3,
      expected: { kind: "workflow", name: "receipt" },
      actual: null,
      code: "step.non_determinism",
      message: 'non-determinism at step 3: the journal has workflow "receipt", the handler now calls no step (the handler returned)',
    });
  });

  it("reports a renamed step and a changed kind", async () => {
    const renamed = historyOf("checkout", [row(0, "action", "orders.lookup", { result: { id: "o1", total: 3 } })], { status: "running" });
    expect(await replayHistory(registry, renamed)).toMatchObject({
      ok: false,
      seq: 0,
      expected: { kind: "action", name: "orders.lookup" },
      actual: { kind: "action", name: "orders.fetch" },
    });
    const kind = historyOf("checkout", [row(0, "mutation", "orders.fetch", { result: { id: "o1", total: 3 } })], { status: "running" });
    expect(await replayHistory(registry, kind)).toMatchObject({ ok: false, seq: 0, expected: { kind: "mutation" }, actual: { kind: "action" } });
  });

  it.each([
    ["a workflow this code lacks", { workflow: "gone" }, {}, "workflow.not_found"],
    ["a version this code no longer has", { version: 9 }, {}, "workflow.version_missing"],
    ["a version asked for that this code lacks", {}, { version: 9 }, "workflow.version_not_found"],
  ])("fails on %s, at no seq", async (_what, change, opts, code) => {
    const report = await replayHistory(registry, { ...finished, ...change }, opts);
    expect(report).toMatchObject({ ok: false, seq: null, expected: null, actual: null, code });
  });

  it("refuses what is not a history with history.invalid, naming the failing paths", async () => {
    // SAFETY: a file that is not a history, as replayHistory may be handed one.
    const bad = { ...finished, format: "stepwise.history/2", steps: [{ seq: -1 }] } as unknown as RunHistory;
    const err = await replayHistory(registry, bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepwiseError);
    expect(err).toMatchObject({ code: "history.invalid", details: { issues: expect.arrayContaining([expect.objectContaining({ path: ["format"] })]) } });
    expect((err as StepwiseError).message).toMatch(/^not a run history \(stepwise\.history\/1\): format: .*; steps\.0\.seq: /);
  });
});

describe("replayHistory: concurrency, races and patches", () => {
  const fanOut = defineWorkflow({
    name: "fan-out",
    args: z.object({}),
    handler: async (step) => {
      const both = await Promise.all([step.run("a", () => executed.push("a")), step.run("b", () => executed.push("b"))]);
      const raced = await Promise.race([step.sleep(60_000, { name: "nap" }).then(() => "slept"), step.waitForSignal("wake")]);
      return { both, raced, now: await step.now(), id: await step.uuid() };
    },
  });

  const patchy = defineWorkflow({
    name: "patchy",
    args: z.object({}),
    handler: async (step) => {
      await step.run("one", () => 1);
      const extra = step.patched("extra");
      if (extra) await step.run("extra", () => 2);
      await step.waitForSignal("go");
      return { extra };
    },
  });

  const local = new Registry([fanOut, patchy]);

  it("replays parallel steps in call order and a race whose loser was abandoned", async () => {
    const history = historyOf(
      "fan-out",
      [
        row(0, "run", "a", { result: 10 }),
        row(1, "run", "b", { result: 20 }),
        row(2, "sleep", "nap", { status: "abandoned", attempts: 0, error: abandonedError(2) }),
        row(3, "signal", "wake", { result: "now", detail: { signal: "wake", timeoutAt: null } }),
        row(4, "now", "now", { result: T }),
        row(5, "uuid", "uuid", { result: "8d1f0c1e-0000-4000-8000-000000000000" }),
      ],
      { args: {} },
    );
    expect(await replayHistory(local, history)).toMatchObject({
      ok: true,
      replayedSteps: 6,
      ended: "returned",
      result: { both: [10, 20], raced: "now", now: T, id: "8d1f0c1e-0000-4000-8000-000000000000" },
    });
  });

  const one = row(0, "run", "one", { result: 1 });
  const goWaiting = (seq: number) => row(seq, "signal", "go", { status: "waiting", completedAt: null, detail: { signal: "go", timeoutAt: null } });

  it.each([
    ["false for a run that passed the check before it existed (steps journaled ahead)", [one, goWaiting(1)], [], 2],
    ["the journaled answer", [one, row(1, "run", "extra", { result: 2 }), goWaiting(2)], [{ changeId: "extra", value: true, seq: 1, at: T }], 3],
    ["true at the frontier", [one], [], 1],
  ])("answers step.patched with %s", async (_what, steps, patches, replayedSteps) => {
    const report = await replayHistory(local, historyOf("patchy", steps, { args: {}, status: "waiting", patches }));
    expect(report).toMatchObject({ ok: true, replayedSteps, ended: "parked" });
  });

  it("fails code whose journaled patch answer no longer matches its steps", async () => {
    const history = historyOf("patchy", [one, goWaiting(1)], { args: {}, status: "waiting", patches: [{ changeId: "extra", value: true, seq: 1, at: T }] });
    expect(await replayHistory(local, history)).toMatchObject({
      ok: false,
      seq: 1,
      expected: { kind: "signal", name: "go" },
      actual: { kind: "run", name: "extra" },
    });
  });
});

describe("formatReplayReport", () => {
  it("says in one line what passed, or what differs and where", async () => {
    expect(formatReplayReport(await replayHistory(registry, finished))).toBe(
      "run_replay (checkout v1): replays: 5 journaled steps agree; the handler returned",
    );
    expect(formatReplayReport(await replayHistory(registry, waiting))).toBe(
      "run_replay (checkout v1): replays: 2 journaled steps agree; the handler waits where the history ends",
    );
    expect(formatReplayReport(await replayHistory(registry, finished, { version: 2 }))).toBe(
      'run_replay (checkout v2): non-determinism at step 1: the journal has signal "approve", the handler now calls run "audit" (step.non_determinism)',
    );
  });
});
