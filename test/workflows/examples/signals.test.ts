// sleepy-greeting and await-approval: a durable sleep of a week, and a signal (with a schema and a
// timeout) delivered, sent early, or never sent.
import { describe, expect, it } from "vitest";
import { useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();
const DAY = 24 * 60 * 60 * 1000;

describe("sleepy-greeting", () => {
  it("greets once after a week's sleep", async () => {
    const run = await kit.t.start("sleepy-greeting", { name: "Ada", sleepMs: 7 * DAY });
    const r = (await run.result()) as { greeting: string; sleptMs: number };
    expect(r.greeting).toBe(`Hello, Ada! I slept ${7 * DAY} ms.`);
    expect(r.sleptMs).toBeGreaterThanOrEqual(7 * DAY);
    expect(await run.journal()).toHaveRunOnce("greet");
  });
});

describe("await-approval", () => {
  it("records the decision it receives", async () => {
    const run = await kit.t.start("await-approval", { request: "Ship v2?" });
    expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "signal", signal: "approval", timeoutAt: expect.any(Number) })]);
    await run.signal("approval", { approved: true, by: "grace" });
    expect(await run.result()).toEqual({ request: "Ship v2?", outcome: "approved", by: "grace" });
    expect(await run.journal()).toHaveWaitedForSignal("approval", { approved: true, by: "grace" });
  });

  it("refuses a payload that is not a decision, and keeps waiting", async () => {
    const run = await kit.t.start("await-approval", { request: "Ship v2?" });
    await expect(run.signal("approval", { approved: "yes" })).rejects.toMatchObject({ code: "signal.invalid_payload" });
    expect(await run.status()).toBe("waiting");
  });

  it("times out after its timeout with no decision", async () => {
    const run = await kit.t.start("await-approval", { request: "Ship v2?", timeoutMs: 3 * DAY });
    await run.advance(3 * DAY - 60_000);
    expect(await run.status()).toBe("waiting");
    await run.advance(60_000);
    expect(await run.result()).toEqual({ request: "Ship v2?", outcome: "timed_out" });
  });
});
