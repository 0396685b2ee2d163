// The history format: a journal row goes into a history with its JSON columns decoded (a NULL column
// left out) and comes back out as the journal entry replay reads; RunHistory parses only its own format.
import { describe, expect, it } from "vitest";
import type { StepRecord } from "../../src/engine/core/journal.ts";
import { HISTORY_FORMAT, historyStep, journalEntry, RunHistory } from "../../src/engine/history.ts";

const base: StepRecord = {
  seq: 3,
  name: "approve",
  kind: "signal",
  status: "completed",
  attempts: 1,
  args: null,
  result: null,
  error: null,
  startedAt: 10,
  completedAt: 20,
  wakeAt: 30,
  detail: null,
};

describe("historyStep and journalEntry", () => {
  it.each<[string, Partial<StepRecord>]>([
    ["a wait with its detail and payload", { result: '{"approved":true}', detail: '{"signal":"approve","timeoutAt":30,"label":"approval"}' }],
    ["an action with args and result", { kind: "action", name: "fetch", args: '{"id":"o1"}', result: '[1,"two",null]' }],
    ["a step that returned undefined", { kind: "run", name: "fire-and-forget" }],
    ["a failed step", { kind: "action", status: "failed", attempts: 3, error: '{"code":"orders.missing","message":"no order","retryable":false}' }],
    ["an open step", { kind: "sleep", name: "nap", status: "sleeping", completedAt: null }],
  ])("round-trips %s", (_what, change) => {
    const row = { ...base, ...change };
    const step = historyStep(row);
    const { args: _args, startedAt: _s, completedAt: _c, wakeAt: _w, ...entry } = row;
    expect(journalEntry(step)).toEqual(entry);
  });

  it("decodes the JSON columns and leaves a NULL one out", () => {
    const step = historyStep({ ...base, kind: "action", args: '{"id":"o1"}', result: null, detail: '{"signal":"approve","timeoutAt":null}' });
    expect(step).toEqual({
      seq: 3,
      name: "approve",
      kind: "action",
      status: "completed",
      attempts: 1,
      args: { id: "o1" },
      detail: { signal: "approve", timeoutAt: null },
      startedAt: 10,
      completedAt: 20,
    });
    expect("result" in step).toBe(false);
  });
});

describe("RunHistory", () => {
  const history = {
    format: HISTORY_FORMAT,
    runId: "run_1",
    workflow: "checkout",
    version: 1,
    status: "waiting",
    args: { id: "o1" },
    createdAt: 1,
    completedAt: null,
    exportedAt: 2,
    steps: [historyStep(base)],
    patches: [{ changeId: "extra", value: false, seq: 1, at: 1 }],
    signals: [
      { name: "approve", payload: true, receivedAt: 1, takenBy: 3 },
      { name: "later", receivedAt: 2, takenBy: null },
    ],
  };

  it("parses what the export writes, after a trip through JSON text", () => {
    expect(RunHistory.parse(JSON.parse(JSON.stringify(history)))).toEqual(history);
  });

  it.each([
    ["another format", { format: "stepwise.history/2" }],
    ["a run status that is not one", { status: "sleepy" }],
    ["a signal without its taker", { signals: [{ name: "go", receivedAt: 1 }] }],
  ])("refuses %s", (_what, change) => {
    expect(RunHistory.safeParse({ ...history, ...change }).success).toBe(false);
  });
});
