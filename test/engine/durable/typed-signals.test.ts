// Typed signals: a wait with a schema takes only a payload that matches it. The API refuses any other
// with a 400 naming the failing paths (before and after the object loses its memory), a buffered one is
// refused when the wait would take it, and the handler gets the schema's output.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { StepwiseError } from "../../../src/engine/index.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { client, fireUntil, probe, runStub, settle, startRun, view } from "../../helpers/runtime.ts";
import { schemaSwitch } from "../../fixtures/typed-signals.ts";

afterEach(() => {
  schemaSwitch.integer = false;
});

const signalUrl = (runId: string, name: string) => `/api/runs/${runId}/signals/${name}`;

/** The signal rows and the `signal.refused` events of a run, read from its storage. */
async function refusals(runId: string) {
  return runInDurableObject(runStub(runId), (_instance, state) => ({
    rows: state.storage.sql
      .exec("SELECT id, consumed_seq AS seq, refused FROM signals WHERE refused IS NOT NULL ORDER BY id")
      .toArray()
      .map((r) => ({ id: r.id, seq: r.seq, refused: JSON.parse(String(r.refused)) })),
    events: state.storage.sql
      .exec("SELECT data FROM events WHERE type = 'signal.refused' ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(String(r.data))),
  }));
}

describe("a payload to a wait that waits", () => {
  it("that fails the schema is a 400 naming each failing path; nothing is stored and the wait waits; a good one resumes it", async () => {
    const { runId, stub, status } = await startRun("typed-wait", {});
    expect(status).toBe("waiting");
    const before = await view(stub);
    const bad = await call("POST", signalUrl(runId, "decision"), { payload: { approved: "yes", by: "x".repeat(21) } });
    expect(bad.status).toBe(400);
    const p = await problemOf(bad);
    expect(p.code).toBe("signal.invalid_payload");
    expect(p.errors).toEqual([
      { path: "/payload/approved", message: expect.stringContaining("boolean") },
      { path: "/payload/by", message: expect.any(String) },
    ]);
    // Through the client too, with paths relative to the payload.
    const err = await client.signalRun(runId, "decision", { by: "api" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepwiseError);
    expect((err as StepwiseError).details).toEqual({ issues: [{ path: ["approved"], message: "required" }] });
    await settle(stub);
    const after = await view(stub);
    expect(after.steps).toEqual(before.steps);
    expect(after.status).toBe("waiting");
    // No signal row: a new run object has no signal table until it buffers one (schema.ts, LAZY_TABLES).
    expect(
      await runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'signals'").one().n),
    ).toBe(0);

    expect((await call("POST", signalUrl(runId, "decision"), { payload: { approved: true, by: "ada" } })).status).toBe(202);
    await settle(stub);
    // The handler got the schema's output: the default filled in.
    expect(await view(stub)).toMatchObject({ status: "completed", result: [{ approved: true, by: "ada", note: "none" }] });
  });

  it("an empty body, or one without a payload, is a 400 where the schema expects an object", async () => {
    const { runId, stub } = await startRun("typed-wait", {});
    for (const body of [undefined, {}]) {
      const res = await call("POST", signalUrl(runId, "decision"), body);
      expect(res.status).toBe(400);
      expect(await problemOf(res)).toMatchObject({
        code: "signal.invalid_payload",
        errors: [{ path: "/payload", message: expect.stringContaining("required") }],
      });
    }
    await settle(stub);
    expect((await view(stub)).status).toBe("waiting");
  });

  it("a refused payload does not spend its Idempotency-Key: the same key with a good payload is delivered", async () => {
    const { runId, stub } = await startRun("typed-wait", {});
    const key = { "idempotency-key": `k-${crypto.randomUUID()}` };
    expect((await call("POST", signalUrl(runId, "decision"), { payload: { approved: 1 } }, key)).status).toBe(400);
    expect((await call("POST", signalUrl(runId, "decision"), { payload: { approved: false } }, key)).status).toBe(202);
    const repeat = await call("POST", signalUrl(runId, "decision"), { payload: { approved: false } }, key);
    expect([repeat.status, await repeat.json()]).toEqual([200, expect.objectContaining({ duplicate: true })]);
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: [{ approved: false, note: "none" }] });
  });

  it("the run shows the JSON Schema a payload must match in waitingFor", async () => {
    const { stub } = await startRun("typed-wait", {});
    const [wait] = (await view(stub)).waitingFor;
    expect(wait).toMatchObject({
      kind: "signal",
      signal: "decision",
      schema: { type: "object", properties: { approved: { type: "boolean" } }, required: ["approved"] },
    });
  });
});

describe("after the run object lost its memory mid-wait", () => {
  it("a replay under changed code journals the new schema, which then holds without the handler in memory", async () => {
    const { runId, stub } = await startRun("switching-wait", {});
    await evictDurableObject(stub);
    schemaSwitch.integer = true; // a deploy
    await settle(runStub(runId)); // wakes the object: the handler replays to its wait
    await evictDurableObject(runStub(runId));
    const res = await call("POST", signalUrl(runId, "n"), { payload: { n: 1.5 } });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors).toEqual([{ path: "/payload/n", message: expect.any(String) }]);
    expect((await call("POST", signalUrl(runId, "n"), { payload: { n: 2 } })).status).toBe(202);
    await settle(runStub(runId));
    expect(await view(runStub(runId))).toMatchObject({ status: "completed", result: { n: 2 } });
  });

  it("the journaled schema still refuses a bad payload, and a good one resumes the replayed handler", async () => {
    const { runId, stub } = await startRun("typed-wait", { count: 2 });
    await client.signalRun(runId, "decision", { approved: true });
    await settle(stub);
    await evictDurableObject(stub);
    // The first call after the eviction: no handler is in memory, only the journal.
    const bad = await call("POST", signalUrl(runId, "decision"), { payload: { approved: "no" } });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).errors).toEqual([{ path: "/payload/approved", message: expect.any(String) }]);
    await evictDurableObject(runStub(runId));
    expect((await call("POST", signalUrl(runId, "decision"))).status).toBe(400);
    expect((await call("POST", signalUrl(runId, "decision"), { payload: { approved: false, by: "bob" } })).status).toBe(202);
    await settle(runStub(runId));
    expect(await view(runStub(runId))).toMatchObject({
      status: "completed",
      result: [
        { approved: true, note: "none" },
        { approved: false, by: "bob", note: "none" },
      ],
    });
  });
});

describe("a buffered signal", () => {
  it("that fails the schema of the wait that would take it never reaches the handler; it is refused visibly and the next good one is taken", async () => {
    const { runId, stub, status } = await startRun("typed-wait", { sleepFirst: 60_000 });
    expect(status).toBe("sleeping");
    // No wait is journaled yet: all three are accepted and buffered.
    for (const payload of [{ approved: "maybe" }, undefined, { approved: true, by: "carol" }]) {
      expect((await client.signalRun(runId, "decision", payload)).duplicate).toBe(false);
    }
    const v = await fireUntil(stub, (r) => r.status === "completed");
    expect(v.result).toEqual([{ approved: true, by: "carol", note: "none" }]);
    const wait = v.steps!.find((s) => s.kind === "signal")!;
    const { rows, events } = await refusals(runId);
    expect(rows.map((r) => [r.seq, r.refused.issues.map((i: { path: string[] }) => i.path)])).toEqual([
      [wait.seq, [["approved"]]],
      [wait.seq, [[]]],
    ]);
    expect(events).toEqual([
      { signal: "decision", signalId: rows[0]!.id, seq: wait.seq, issues: [{ path: ["approved"], message: expect.any(String) }] },
      { signal: "decision", signalId: rows[1]!.id, seq: wait.seq, issues: [{ path: [], message: expect.stringContaining("required") }] },
    ]);
  });

  it("refused by one wait is gone: a later wait does not take it either", async () => {
    const { runId, stub } = await startRun("typed-wait", { sleepFirst: 60_000, count: 2 });
    await client.signalRun(runId, "decision", { approved: "maybe" });
    await fireUntil(stub, (r) => r.status === "waiting");
    await client.signalRun(runId, "decision", { approved: true });
    await settle(stub);
    // The second wait is journaled now and waits; the refused signal stays refused.
    const v = await view(stub);
    expect(v.steps!.filter((s) => s.kind === "signal").map((s) => s.status)).toEqual(["completed", "waiting"]);
    expect((await refusals(runId)).rows).toHaveLength(1);
  });
});

describe("the seed's human-in-the-loop pattern with a schema", () => {
  it("no longer publishes on {approved: false} or an omitted payload: both are refused, and the run waits on", async () => {
    const { runId, stub } = await startRun("seed-publish", {});
    for (const body of [{ payload: { approved: false } }, {}, undefined]) {
      const res = await call("POST", signalUrl(runId, "approval"), body);
      expect(res.status).toBe(400);
      expect((await problemOf(res)).code).toBe("signal.invalid_payload");
    }
    await settle(stub);
    expect((await view(stub)).status).toBe("waiting");
    expect(await probe().count(`${runId}/published`)).toBe(0);
    // `false` is a decision, and it does not publish.
    expect((await call("POST", signalUrl(runId, "approval"), { payload: false })).status).toBe(202);
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: { approved: false } });
    expect(await probe().count(`${runId}/published`)).toBe(0);
  });

  it("publishes once on true", async () => {
    const { runId, stub } = await startRun("seed-publish", {});
    await client.signalRun(runId, "approval", true);
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: { approved: true } });
    expect(await probe().count(`${runId}/published`)).toBe(1);
  });
});

describe("a refinement JSON Schema cannot express", () => {
  it("is refused with a 400 while the handler holds the wait (its zod schema is checked too)", async () => {
    const { runId, stub } = await startRun("refined-wait", {});
    const res = await call("POST", signalUrl(runId, "even"), { payload: { n: 3 } });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors).toEqual([{ path: "/payload/n", message: "must be even" }]);
    await client.signalRun(runId, "even", { n: 4 });
    await settle(stub);
    expect(await view(stub)).toMatchObject({ status: "completed", result: { got: { n: 4 } } });
  });

  it("with no handler in memory, passes the journaled JSON Schema; the handler's wait then rejects with signal.invalid_payload", async () => {
    const { runId, stub } = await startRun("refined-wait", {});
    await evictDurableObject(stub);
    expect((await call("POST", signalUrl(runId, "even"), { payload: { n: "3" } })).status).toBe(400); // a type JSON Schema does say
    expect((await call("POST", signalUrl(runId, "even"), { payload: { n: 3 } })).status).toBe(202);
    await settle(runStub(runId));
    expect(await view(runStub(runId))).toMatchObject({
      status: "completed",
      result: { caught: "signal.invalid_payload", details: { issues: [{ path: ["n"], message: "must be even" }] } },
    });
  });
});
