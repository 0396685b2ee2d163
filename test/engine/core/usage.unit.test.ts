// Token usage, pure: one attempt's reports folded by UsageMeter (unkeyed ones add up per model, a keyed
// one restates its work), reports checked as they come, and totals by model summed and sorted.
import { describe, expect, it } from "vitest";
import { noUsage, tokenUsage, UsageMeter, type UsageReport } from "../../../src/engine/core/usage.ts";
import { StepwiseError } from "../../../src/kernel/index.ts";

const report = (model: string, inputTokens: number, outputTokens: number, extra: Partial<UsageReport> = {}): UsageReport => ({
  model,
  provider: "p",
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
  ...extra,
});

describe("UsageMeter", () => {
  it("adds up reports without a key per model and provider", () => {
    const meter = new UsageMeter();
    meter.report(report("b", 1, 1));
    meter.report(report("a", 10, 5));
    meter.report(report("a", 2, 0));
    meter.report(report("a", 1, 1, { provider: "other" }));
    expect(meter.close()).toEqual([
      { key: null, model: "a", provider: "other", inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      { key: null, model: "a", provider: "p", inputTokens: 12, outputTokens: 5, totalTokens: 17 },
      { key: null, model: "b", provider: "p", inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    ]);
  });

  it("keeps the latest report of a key (it restates the work in full), beside the unkeyed ones", () => {
    const meter = new UsageMeter();
    meter.report(report("a", 8, 3, { key: "answer" }));
    meter.report(report("a", 1, 1));
    meter.report(report("a", 18, 8, { key: "answer" }));
    expect(meter.close()).toEqual([
      { key: null, model: "a", provider: "p", inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      { key: "answer", model: "a", provider: "p", inputTokens: 18, outputTokens: 8, totalTokens: 26 },
    ]);
  });

  it("ignores reports once closed: the attempt's outcome is taken", () => {
    const meter = new UsageMeter();
    meter.report(report("a", 1, 1));
    expect(meter.close()).toHaveLength(1);
    meter.report(report("a", 100, 100));
    expect(meter.close()).toEqual([{ key: null, model: "a", provider: "p", inputTokens: 1, outputTokens: 1, totalTokens: 2 }]);
  });

  it.each([
    ["negative tokens", report("a", -1, 0), ["inputTokens"]],
    ["fractional tokens", report("a", 1.5, 0), ["inputTokens"]],
    ["no model", report("", 1, 0), ["model"]],
    ["an empty key", report("a", 1, 0, { key: "" }), ["key"]],
    ["not an object", "12 tokens", []],
  ])("refuses %s with step.invalid_usage, not retryable, naming the path", (_, bad, path) => {
    let thrown: unknown;
    try {
      new UsageMeter().report(bad);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(StepwiseError);
    expect(thrown).toMatchObject({ code: "step.invalid_usage", retryable: false });
    expect((thrown as StepwiseError).details).toEqual({ issues: expect.arrayContaining([expect.objectContaining({ path })]) });
  });
});

describe("tokenUsage", () => {
  it("sums rows into totals and merges rows of one model and provider, sorted by model then provider", () => {
    const row = (model: string, provider: string, i: number, o: number) => ({ model, provider, inputTokens: i, outputTokens: o, totalTokens: i + o });
    expect(tokenUsage([row("b", "x", 1, 2), row("a", "y", 3, 4), row("a", "x", 5, 6), row("b", "x", 10, 0)])).toEqual({
      inputTokens: 19,
      outputTokens: 12,
      totalTokens: 31,
      byModel: [row("a", "x", 5, 6), row("a", "y", 3, 4), row("b", "x", 11, 2)],
    });
  });

  it("is zeros and an empty list over no rows", () => {
    expect(tokenUsage([])).toEqual(noUsage());
    expect(noUsage()).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] });
  });
});
