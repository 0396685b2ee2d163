// An attempt's ctx: its signal is the attempt's (made when read, aborted with the attempt's reason), an own
// enumerable property that a spread copies; its calls and usage reports are there; and every context has
// the same keys in the same order, whatever the attempt.
import { describe, expect, it } from "vitest";
import { AttemptAbort } from "../../src/engine/durable/attempt-abort.ts";
import { attemptContext } from "../../src/engine/durable/attempt-context.ts";
import { Registry } from "../../src/engine/registry.ts";

const registry = new Registry([]);
// SAFETY: the context only hands env on to the action; these tests never read it.
const env = {} as Env;

function context(seq: number, abort = new AttemptAbort(), reports: unknown[] = []) {
  return attemptContext({ env, runId: "run_1", seq, attempt: 2, abort, reportUsage: (usage) => reports.push(usage) }, registry);
}

describe("attemptContext", () => {
  it("has the attempt's fields, its idempotency key and its calls", () => {
    const reports: unknown[] = [];
    const ctx = context(3, new AttemptAbort(), reports);
    expect(ctx).toMatchObject({ env, runId: "run_1", seq: 3, attempt: 2, idempotencyKey: "run_1:3" });
    expect(typeof ctx.runMutation).toBe("function");
    expect(typeof ctx.runAction).toBe("function");
    const usage = { model: "m", provider: "p", inputTokens: 1, outputTokens: 2, totalTokens: 3 };
    ctx.reportUsage(usage);
    expect(reports).toEqual([usage]);
  });

  it("gives the attempt's signal, aborted with the attempt's reason", () => {
    const abort = new AttemptAbort();
    const ctx = context(0, abort);
    expect(ctx.signal).toBe(abort.signal);
    expect(ctx.signal.aborted).toBe(false);
    const reason = new Error("step 0 timed out");
    abort.abort(reason);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(reason);
  });

  it("keeps signal an own enumerable property, so a spread copies it", () => {
    const abort = new AttemptAbort();
    const ctx = context(1, abort);
    expect(Object.keys(ctx)).toEqual(["env", "runId", "seq", "attempt", "idempotencyKey", "reportUsage", "signal", "runMutation", "runAction"]);
    const copy = { ...ctx };
    expect(copy.signal).toBe(abort.signal);
    expect(copy.idempotencyKey).toBe("run_1:1");
    // Each context reads its own attempt's abort.
    const other = context(2);
    expect(other.signal).not.toBe(ctx.signal);
    expect(Object.keys(other)).toEqual(Object.keys(ctx));
  });
});
