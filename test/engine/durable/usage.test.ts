// Token usage in the run object: what attempts report is journaled with their outcomes (a failed attempt's
// too), summed per model in GET /api/runs/:runId, carried by the step events and run.finished, read by
// step.usage() as journaled answers, and neither lost nor counted twice when the run replays after eviction.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RunHistory, replayHistory, type TokenUsage } from "../../../src/engine/index.ts";
import { call } from "../../helpers/http.ts";
import { fireUntil, runStub, settle, startRun } from "../../helpers/runtime.ts";
import { type Ev, readSse } from "../../helpers/sse.ts";
import { stepwise } from "../../worker.ts";

const m = (model: string, inputTokens: number, outputTokens: number) => ({
  model,
  provider: "test",
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
});

const total = (...byModel: ReturnType<typeof m>[]): TokenUsage => ({
  inputTokens: byModel.reduce((n, u) => n + u.inputTokens, 0),
  outputTokens: byModel.reduce((n, u) => n + u.outputTokens, 0),
  totalTokens: byModel.reduce((n, u) => n + u.totalTokens, 0),
  byModel,
});

// first: m-1 10+5; flaky: m-2 100+10 on each of its two attempts; silent-retry: m-1 1+1 on its failed
// first attempt only; later: m-3 7+0.
const AFTER_FIRST = total(m("m-1", 10, 5));
const BEFORE_LATER = total(m("m-1", 11, 6), m("m-2", 200, 20));
const AT_END = total(m("m-1", 11, 6), m("m-2", 200, 20), m("m-3", 7, 0));

/** Runs usage-steps to its long sleep (past both retries). */
async function toTheNap() {
  const { runId, stub } = await startRun("usage-steps", {});
  await fireUntil(stub, (v) => v.waitingFor.some((w) => w.kind === "sleep" && w.name === "nap"));
  return { runId, stub };
}

describe("usage reported by steps", () => {
  it("counts every attempt that ended, failed ones too, and reads the same before and after a replay", async () => {
    const { runId, stub } = await toTheNap();
    const live = await (await call("GET", `/api/runs/${runId}?steps=none`)).json();
    expect(live).toMatchObject({ status: "sleeping", usage: AT_END });

    // The object loses its memory during the sleep: the handler replays every step from the journal.
    await evictDurableObject(stub);
    const v = await fireUntil(runStub(runId), (r) => r.status === "completed");
    expect(v.stats.replayedSteps).toBe(5);
    // The reads made before the eviction answer as they did live: `later` had not ended when the handler
    // read, though the journal the replay found holds its usage. Nothing was counted twice.
    expect(v.result).toEqual({ afterFirst: AFTER_FIRST, beforeLater: BEFORE_LATER, atEnd: AT_END });
    expect(v.usage).toEqual(AT_END);
    const done = await (await call("GET", `/api/runs/${runId}`)).json();
    expect(done).toMatchObject({ status: "completed", usage: AT_END });
  });

  it("puts each step's usage on the events that end its attempts, and the run's on run.finished", async () => {
    const { runId, stub } = await toTheNap();
    await fireUntil(stub, (r) => r.status === "completed");
    const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 1000);
    const of = (name: string) => events.filter((e) => e.data.name === name && e.type !== "step.started").map((e) => [e.type, e.data.usage]);
    expect(of("first")).toEqual([["step.completed", total(m("m-1", 10, 5))]]);
    expect(of("flaky")).toEqual([
      ["step.retrying", total(m("m-2", 100, 10))],
      ["step.completed", total(m("m-2", 200, 20))],
    ]);
    expect(of("silent-retry")).toEqual([
      ["step.retrying", total(m("m-1", 1, 1))],
      ["step.completed", total(m("m-1", 1, 1))],
    ]);
    expect(of("later")).toEqual([["step.completed", total(m("m-3", 7, 0))]]);
    // A step that reported nothing has no usage on its events.
    expect(of("nap").every(([, usage]) => usage === undefined)).toBe(true);
    const finished = events.at(-1) as Ev;
    expect(finished).toMatchObject({ type: "run.finished", data: { status: "completed", usage: AT_END } });
  });

  it("exports each step's usage and the journaled reads, and a replay of the history reads the same", async () => {
    const { runId, stub } = await toTheNap();
    await fireUntil(stub, (r) => r.status === "completed");
    const history = RunHistory.parse(await (await call("GET", `/api/runs/${runId}/history`)).json());
    expect(history.steps.map((s) => [s.name, s.usage?.totalTokens ?? null])).toEqual([
      ["first", 15],
      ["flaky", 220],
      ["silent-retry", 2],
      ["later", 7],
      ["nap", null],
    ]);
    expect(history.usageReads).toEqual([
      { seq: 1, n: 0, usage: AFTER_FIRST },
      { seq: 4, n: 0, usage: BEFORE_LATER },
      { seq: 5, n: 0, usage: AT_END },
    ]);
    const report = await replayHistory(stepwise.registry, history);
    expect(report).toMatchObject({ ok: true, ended: "returned", result: { afterFirst: AFTER_FIRST, beforeLater: BEFORE_LATER, atEnd: AT_END } });
  });

  it("answers zeros and an empty list for a run that reported nothing", async () => {
    const { runId, stub } = await startRun("double", { n: 2 });
    await settle(stub);
    const run = await (await call("GET", `/api/runs/${runId}`)).json();
    expect(run).toMatchObject({ status: "completed", usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] } });
    const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 1000);
    expect(events.at(-1)!.data.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] });
  });
});
