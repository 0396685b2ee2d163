// Mocked steps: an action, a mutation or a child workflow answered by a value, an error or a function,
// the calls each received; and the clear refusals of a mock that cannot be.
import { describe, expect, it } from "vitest";
import { NonRetryableError } from "../../src/engine/index.ts";
import { useStepwiseTest } from "../helpers/kit.ts";

const kit = useStepwiseTest();

describe("mocking an action", () => {
  it("answers with a value, and records the args of each call", async () => {
    const lookup = kit.t.mock("kit.lookup", { returns: "mocked" });
    const run = await kit.t.start("kit.fan-out", { keys: ["a", "b"] });
    expect(await run.result()).toBe("mocked; mocked");
    expect(lookup.calls.map((c) => c.args)).toEqual([{ key: "a" }, { key: "b" }]);
    expect(lookup.calls.map((c) => [c.kind, c.step, c.runId, c.seq, c.attempt])).toEqual([
      ["action", "kit.lookup", run.runId, 0, 1],
      ["action", "kit.lookup", run.runId, 1, 1],
    ]);
    // The action that was not mocked ran for real, and its call is seen too.
    expect(kit.t.calls("kit.summarize")).toEqual([expect.objectContaining({ args: { values: ["mocked", "mocked"] }, mocked: false })]);
  });

  it("answers with a function of the args, as the definition's schema parsed them", async () => {
    const lookup = kit.t.mock("kit.lookup", (args: { key: string }, ctx) => `${args.key} at seq ${ctx.seq}`);
    const run = await kit.t.start("kit.fan-out", { keys: ["x", "y"] });
    expect(await run.result()).toBe("x at seq 0; y at seq 1");
    expect(lookup.calls).toHaveLength(2);
  });

  it("throws an error: a retryable one is retried by the step's policy, a NonRetryableError fails the run", async () => {
    let calls = 0;
    kit.t.mock("kit.flaky-call", () => {
      calls++;
      if (calls < 3) throw new Error("the API is down");
      return { attempt: 99 };
    });
    const retried = await kit.t.start("kit.retrying", { failures: 0 });
    expect(await retried.result()).toMatchObject({ attempt: 99 });
    expect(kit.t.calls("kit.flaky-call").map((c) => c.attempt)).toEqual([1, 2, 3]);

    kit.t.mock("kit.flaky-call", { throws: new NonRetryableError("the card was declined", { code: "payment.declined" }) });
    const failed = await kit.t.start("kit.retrying", { failures: 0 });
    expect(await failed.outcome()).toEqual({ status: "failed", error: { code: "payment.declined", message: "the card was declined" } });
    await expect(failed.result()).rejects.toThrow(`run ${failed.runId} failed: payment.declined: the card was declined`);
  });
});

describe("mocking a mutation and a child workflow", () => {
  it("a mocked child workflow answers the parent's step: no child run starts, its timers never matter", async () => {
    const child = kit.t.mock("kit.child", (args: { cents: number }) => ({ chargeId: "ch_mock", cents: args.cents }));
    const run = await kit.t.start("kit.parent", { cents: 250 });
    expect(await run.result()).toEqual({ charged: { chargeId: "ch_mock", cents: 250 } });
    expect(child.calls).toEqual([expect.objectContaining({ kind: "workflow", name: "kit.child", args: { cents: 250 }, runId: run.runId, seq: 0 })]);
    const [step] = (await run.view()).steps!;
    expect(step).toMatchObject({ kind: "workflow", name: "kit.child", status: "completed" });
  });

  it("a child workflow mocked with an error fails the parent's step with that error", async () => {
    kit.t.mock("kit.child", { throws: new NonRetryableError("no funds", { code: "payment.no_funds" }) });
    const run = await kit.t.start("kit.parent", { cents: 250 });
    expect(await run.outcome()).toMatchObject({ status: "failed", error: { code: "payment.no_funds" } });
  });

  it("a mocked mutation answers inside the real child, which still sleeps its day", async () => {
    const charge = kit.t.mock("kit.charge", { returns: { chargeId: "ch_fake", cents: 1 } });
    const run = await kit.t.start("kit.parent", { cents: 700 });
    expect(charge.calls).toEqual([]);
    expect(await run.result()).toEqual({ charged: { chargeId: "ch_fake", cents: 1 } });
    expect(charge.calls).toEqual([expect.objectContaining({ kind: "mutation", args: { cents: 700 } })]);
  });
});

describe("bad use", () => {
  it("mocking a name nothing registered fails, naming the close ones", () => {
    expect(() => kit.t.mock("kit.lookups", { returns: 1 })).toThrow(
      /no action, mutation or workflow named "kit.lookups" is registered, so there is nothing to mock; did you mean "kit.lookup"\?/,
    );
    expect(() => kit.t.calls("nope")).toThrow(/named "nope" is registered/);
  });

  it("a mock that is neither a value, an error nor a function is refused", () => {
    // SAFETY: the point is a shape the types forbid, as untyped test code could pass it.
    expect(() => kit.t.mock("kit.lookup", { value: 1 } as never)).toThrow('mock("kit.lookup", ...) takes { returns: value }, { throws: error } or a function');
  });

  it("a mock is not called with args its definition's schema refuses: the step fails as the real one would", async () => {
    let called = false;
    kit.t.mock("kit.lookup", () => {
      called = true;
      return "never";
    });
    const run = await kit.t.start("kit.bad-lookup", {});
    expect(await run.outcome()).toMatchObject({
      status: "failed",
      error: { code: "step.invalid_args", message: expect.stringContaining('invalid args for "kit.lookup"') },
    });
    expect(called).toBe(false);
  });
});
