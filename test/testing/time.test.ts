// The kit's time: sleeps, retry backoffs and signal timeouts fire at once when a test awaits the
// outcome, or in order on advance(); the run sees the skipped time through step.now().
import { describe, expect, it } from "vitest";
import { stepwiseTest } from "../../src/testing/index.ts";
import { useStepwiseTest } from "../helpers/kit.ts";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const kit = useStepwiseTest();

describe("awaiting the outcome skips time", () => {
  it("a week's sleep ends at once, and step.now() saw the week pass", async () => {
    const realStart = Date.now();
    const run = await kit.t.start("kit.week-sleeper", {});
    expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "sleep", name: "a week" })]);
    const { slept } = (await run.result()) as { slept: number };
    expect(slept).toBeGreaterThanOrEqual(7 * DAY);
    expect(slept).toBeLessThan(7 * DAY + 60_000);
    expect(kit.t.now() - Date.now()).toBeGreaterThanOrEqual(7 * DAY - 1_000);
    expect(Date.now() - realStart).toBeLessThan(60_000);
  });

  it("retry backoffs of hours fire at once: the third attempt succeeds after both backoffs", async () => {
    const run = await kit.t.start("kit.retrying", { failures: 2 });
    expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "retry", attempt: 2 })]);
    const result = (await run.result()) as { attempt: number; waited: number };
    expect(result.attempt).toBe(3);
    // Two backoffs, of about one and two hours (with jitter): the run's own clock says so.
    expect(result.waited).toBeGreaterThanOrEqual(HOUR);
    expect(result.waited).toBeLessThan(4 * HOUR);
    expect(kit.t.calls("kit.flaky-call").map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it("a signal's timeout fires when nothing is delivered", async () => {
    const run = await kit.t.start("kit.signal-or-timeout", {});
    // Time in a test still flows as it does in production, plus what was skipped: a few real ms pass between steps.
    expect(await run.result()).toEqual({ payload: null, waited: expect.closeTo(3 * HOUR, -3) });
  });

  it("a child's timers fire too, through the parent's outcome", async () => {
    const run = await kit.t.start("kit.parent", { cents: 500 });
    const [wait] = await run.waitingFor();
    expect(wait).toMatchObject({ kind: "workflow", name: "kit.child" });
    expect(await run.result()).toEqual({ charged: { chargeId: expect.stringMatching(/^ch_.+:1$/), cents: 500 } });
    const child = kit.t.run((wait as { childRunId: string }).childRunId);
    expect(await child.status()).toBe("completed");
  });

  it("refuses to wait for a signal no timer will ever bring, and says what the run waits for", async () => {
    const run = await kit.t.start("kit.two-halves", {});
    await expect(run.result()).rejects.toThrow(/is waiting and no timer will wake it: it waits for signal "go"/);
  });
});

describe("advance", () => {
  it("fires only what falls due, in order, each at its own time", async () => {
    const run = await kit.t.start("kit.two-timers", {});
    await run.advance(90 * 60 * 1000);
    const steps = (await run.view()).steps!;
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ["two hours", "sleeping"],
      ["one hour", "completed"],
    ]);
    // The one-hour sleep was woken at its own due time, not at the end of the advance.
    const oneHour = steps[1]!;
    expect(oneHour.completedAt! - oneHour.startedAt).toBeCloseTo(HOUR, -3);
    await run.advance(HOUR);
    expect(await run.result()).toEqual(["one hour", "two hours"]);
  });

  it("moves the test's clock even when nothing falls due", async () => {
    const before = kit.t.now();
    await kit.t.advance(5 * DAY);
    expect(kit.t.now() - before).toBeGreaterThanOrEqual(5 * DAY);
  });

  it("refuses a finished run, and a negative duration", async () => {
    const run = await kit.t.start("kit.signal-or-timeout", {});
    await run.signal("go", { n: 1 });
    expect(await run.result()).toMatchObject({ payload: { n: 1 } });
    await expect(run.advance(HOUR)).rejects.toThrow(`cannot advance run ${run.runId}: it completed already, so no timer of it is left to fire`);
    await expect(kit.t.advance(-1)).rejects.toThrow(RangeError);
  });
});

describe("disposing", () => {
  it("puts the platform's clock back, and a disposed environment refuses to go on", async () => {
    await kit.t.advance(DAY);
    kit.t.dispose();
    expect(Math.abs(kit.t.now() - Date.now())).toBeGreaterThanOrEqual(DAY - 1_000);
    const fresh = await stepwiseTest();
    expect(Math.abs(fresh.now() - Date.now())).toBeLessThan(1_000);
    fresh.dispose();
    await expect(kit.t.start("kit.week-sleeper", {})).rejects.toThrow("this test environment was disposed");
  });
});
