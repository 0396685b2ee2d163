// The step machine's part of typed signals, as tables: a wait with a schema journals it, takes the first
// buffered signal its schema accepts and refuses those before it, and never takes an omitted payload.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { JournalEntry } from "../../../src/engine/core/journal.ts";
import { deliverSignal, onCall, type BufferedSignal, type CallInput, type StepWrite } from "../../../src/engine/core/step-machine.ts";
import { signalContract } from "../../../src/engine/signal-contract.ts";

const NOW = 1_000_000;
const clock = { now: () => NOW, random: () => 0.5, uuid: () => "uuid-1" };
const contract = signalContract(z.object({ approved: z.boolean() }));
const typed = { kind: "signal", name: "approval", contract } as const;

/** A buffer of signals as the store hands them out: the first not in `skip`; records what was asked. */
function buffer(...signals: BufferedSignal[]) {
  const asked: number[][] = [];
  const take = (_name: string, _seq: number, skip: readonly number[]) => {
    asked.push([...skip]);
    return signals.find((s) => !skip.includes(s.id));
  };
  return { asked, take };
}

function call(over: Partial<CallInput>) {
  return onCall({
    seq: 3,
    call: typed,
    journaled: undefined,
    runId: "r1",
    workflowRetry: undefined,
    clock,
    lostEarly: false,
    bufferedSignal: () => undefined,
    ...over,
  });
}

const good: BufferedSignal = { id: 9, payload: '{"approved":false}' };
const bad: BufferedSignal = { id: 7, payload: '{"approved":"yes"}' };
const omitted: BufferedSignal = { id: 8, payload: null };
const refusal = (signalId: number, path: string[]): StepWrite => ({
  op: "refuseSignal",
  signalId,
  seq: 3,
  issues: [{ path, message: expect.any(String) }],
  at: NOW,
});
const detail = JSON.stringify({ signal: "approval", timeoutAt: null, schema: contract.jsonSchema });
const waiting: JournalEntry = { seq: 3, name: "approval", kind: "signal", status: "waiting", attempts: 1, result: null, error: null, detail };

describe("a typed wait the journal has not seen", () => {
  it("journals its schema as JSON Schema in the step's detail", () => {
    const t = call({});
    expect(t.next).toEqual({ type: "park" });
    const insert = t.writes[0] as Extract<StepWrite, { op: "insertStep" }>;
    expect(JSON.parse(insert.step.detail!)).toEqual({
      signal: "approval",
      timeoutAt: null,
      schema: expect.objectContaining({ type: "object", properties: { approved: { type: "boolean" } }, required: ["approved"] }),
    });
  });

  it.each([
    ["a payload that fails the schema", [bad, good], [refusal(7, ["approved"])], [[], [7]]],
    ["an omitted payload", [omitted, good], [refusal(8, [])], [[], [8]]],
    ["two bad ones", [bad, omitted, good], [refusal(7, ["approved"]), refusal(8, [])], [[], [7], [7, 8]]],
    ["nothing bad", [good], [], [[]]],
  ] as const)("with %s buffered first: refuses it, takes the next good one in the same transaction", (_, signals, refusals, asked) => {
    const b = buffer(...signals);
    const t = call({ bufferedSignal: b.take });
    expect(b.asked).toEqual(asked);
    expect(t.writes).toEqual([
      ...refusals,
      { op: "consumeSignal", signalId: 9, seq: 3 },
      { op: "insertStep", step: expect.objectContaining({ status: "completed", result: good.payload }) },
    ]);
    expect(t.next).toEqual({ type: "return", value: { approved: false } });
  });

  it("with only bad ones buffered: refuses them all, and is journaled waiting", () => {
    const t = call({ bufferedSignal: buffer(bad, omitted).take, call: { ...typed, timeout: 1_000 } });
    expect(t.writes).toEqual([
      refusal(7, ["approved"]),
      refusal(8, []),
      { op: "insertStep", step: expect.objectContaining({ status: "waiting" }) },
      { op: "setTimer", kind: "signal_timeout", seq: 3, at: NOW + 1_000 },
    ]);
    expect(t.next).toEqual({ type: "park" });
  });

  it("a wait without a schema takes any payload, and an omitted one as true", () => {
    const b = buffer(omitted);
    const t = call({ call: { kind: "signal", name: "approval" }, bufferedSignal: b.take });
    expect(t.writes[1]).toMatchObject({ op: "insertStep", step: { status: "completed", result: "true" } });
    expect(t.next).toEqual({ type: "return", value: true });
  });
});

describe("a typed wait the journal has open (a replay)", () => {
  it("refuses the bad buffered signals and takes the first good one", () => {
    const t = call({ journaled: waiting, bufferedSignal: buffer(bad, good).take });
    expect(t.writes).toEqual([refusal(7, ["approved"]), ...deliverSignal(good, 3, NOW)]);
    expect(t.next).toEqual({ type: "return", value: { approved: false } });
  });

  it("with only bad ones buffered, refuses them and parks", () => {
    expect(call({ journaled: waiting, bufferedSignal: buffer(bad).take })).toEqual({ writes: [refusal(7, ["approved"])], next: { type: "park" } });
  });

  it("with nothing buffered and the same schema, parks writing nothing", () => {
    expect(call({ journaled: waiting })).toEqual({ writes: [], next: { type: "park" } });
  });

  it.each([
    ["another schema", { signal: "approval", timeoutAt: 5, schema: { type: "string" } }],
    ["no schema", { signal: "approval", timeoutAt: 5 }],
  ])("journaled with %s (code since deployed), takes the schema of the code now running", (_, old) => {
    const t = call({ journaled: { ...waiting, detail: JSON.stringify(old) } });
    expect(t.writes).toEqual([
      {
        op: "updateStep",
        seq: 3,
        patch: { status: "waiting", detail: JSON.stringify({ signal: "approval", timeoutAt: 5, schema: contract.jsonSchema }) },
        at: NOW,
        event: false,
      },
    ]);
  });
});

describe("a wait's marks (label, forStep): journaled for UIs, never matched", () => {
  const marked = { ...typed, marks: { label: "approval", forStep: 2 } };

  it("a new wait journals them in its detail", () => {
    const insert = call({ call: marked }).writes[0] as Extract<StepWrite, { op: "insertStep" }>;
    expect(JSON.parse(insert.step.detail!)).toMatchObject({ signal: "approval", label: "approval", forStep: 2 });
  });

  it("a wait without marks journals the detail it always did", () => {
    const insert = call({}).writes[0] as Extract<StepWrite, { op: "insertStep" }>;
    expect(insert.step.detail).toBe(detail);
  });

  it("a settled row journaled without them replays as journaled, writing nothing", () => {
    const completed: JournalEntry = { ...waiting, status: "completed", result: '{"approved":true}' };
    expect(call({ call: marked, journaled: completed })).toEqual({ writes: [], next: { type: "return", value: { approved: true } } });
  });

  it("a waiting row journaled without them takes the marks of the code now running, and still waits", () => {
    const t = call({ call: marked, journaled: waiting });
    expect(t.next).toEqual({ type: "park" });
    expect(t.writes).toEqual([
      {
        op: "updateStep",
        seq: 3,
        patch: {
          status: "waiting",
          detail: JSON.stringify({ signal: "approval", timeoutAt: null, schema: contract.jsonSchema, label: "approval", forStep: 2 }),
        },
        at: NOW,
        event: false,
      },
    ]);
  });

  it("a waiting row with the same marks writes nothing", () => {
    const same = { ...waiting, detail: JSON.stringify({ signal: "approval", timeoutAt: null, schema: contract.jsonSchema, label: "approval", forStep: 2 }) };
    expect(call({ call: marked, journaled: same })).toEqual({ writes: [], next: { type: "park" } });
  });
});

describe("delivering into a wait", () => {
  it("an omitted payload arrives as true", () => {
    expect(deliverSignal(omitted, 3, NOW)[1]).toMatchObject({ op: "updateStep", patch: { status: "completed", result: "true" } });
  });
});
