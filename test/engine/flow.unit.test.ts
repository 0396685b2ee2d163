// Flow-control options as defineWorkflow checks them, and how a run's line is named: a TypeError names
// the field at define time; a key expression's failure is the start's error; one pool per workflow, rule and key.
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../src/engine/define.ts";
import { flowKey, flowLine, flowPoolName } from "../../src/engine/flow.ts";
import { StepwiseError } from "../../src/kernel/index.ts";

const Args = z.object({ userId: z.string(), n: z.number() });
const base = { args: Args, handler: async () => 1 };
const define = (name: string, flow: object) => () => defineWorkflow({ name, ...base, ...flow });

describe("defineWorkflow's flow control", () => {
  it("types each key expression's args as the schema's output", () => {
    defineWorkflow({
      ...base,
      name: "typed-key",
      concurrency: {
        key: (a) => {
          expectTypeOf(a).toEqualTypeOf<{ userId: string; n: number }>();
          return a.userId;
        },
        limit: 1,
      },
    });
  });

  it.each([
    [{ concurrency: { limit: 0 } }, /concurrency\.limit/],
    [{ throttle: { limit: 2, period: 10 } }, /throttle\.period/],
    [{ rateLimit: { limit: 2 } }, /rateLimit\.period/],
    [{ debounce: { period: 500, maxWait: 100 } }, /debounce\.maxWait must be at least debounce\.period/],
    [{ concurrency: { key: "userId", limit: 1 } }, /concurrency\.key: key must be a function/],
    [{ concurrency: { limit: 1 }, throttle: { limit: 1, period: 1000 } }, /at most one of concurrency, throttle and debounce/],
    [{ concurrency: { limit: 1, extra: true } }, /concurrency/],
  ])("refuses %j", (flow, message) => {
    expect(define("bad-flow", flow)).toThrow(TypeError);
    expect(define("bad-flow", flow)).toThrow(message);
  });

  it("takes a rate limit beside any line", () => {
    expect(define("ok-flow", { concurrency: { limit: 2 }, rateLimit: { limit: 5, period: 60_000 } })).not.toThrow();
  });
});

describe("a run's line", () => {
  it("is named by the workflow, the rule and the key: one pool each", async () => {
    const a = await flowPoolName("w", "concurrency", "u1");
    expect(a).toMatch(/^flow:[0-9a-f]{32}$/);
    expect(await flowPoolName("w", "concurrency", "u1")).toBe(a);
    expect(
      new Set([a, await flowPoolName("w", "concurrency", "u2"), await flowPoolName("w", "throttle", "u1"), await flowPoolName("v", "concurrency", "u1")]).size,
    ).toBe(4);
  });

  it("keys by the expression (a number as its string), or one key without one", async () => {
    expect(flowKey({ key: (a: unknown) => (a as { n: number }).n }, { n: 7 }, "concurrency")).toBe("7");
    expect(flowKey({}, { n: 7 }, "concurrency")).toBe("");
    expect(await flowLine("w", { throttle: { limit: 3, period: 1000 } }, {})).toMatchObject({ kind: "throttle", key: "", limit: 3, holdMs: 1000 });
    expect(await flowLine("w", { rateLimit: { limit: 3, period: 1000 } }, {})).toBeNull();
  });

  it("a key expression that throws or returns no string is run.flow_key_failed", () => {
    const fails = (key: (a: unknown) => unknown) => {
      try {
        flowKey({ key: key as () => string }, {}, "throttle");
      } catch (err) {
        return err;
      }
      throw new Error("expected a failure");
    };
    expect(
      fails(() => {
        throw new Error("boom");
      }),
    ).toMatchObject({ code: "run.flow_key_failed", message: "the throttle.key expression threw: boom" });
    expect(fails(() => ({}))).toBeInstanceOf(StepwiseError);
    expect(fails(() => "x".repeat(501))).toMatchObject({ code: "run.flow_key_failed" });
  });
});
