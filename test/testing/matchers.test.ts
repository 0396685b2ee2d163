// The journal matchers: a step ran once, steps ran in parallel, the run waited for a signal; each fails
// with a message that says what the journal holds instead.
import { describe, expect, it } from "vitest";
import { useStepwiseTest } from "../helpers/kit.ts";

const kit = useStepwiseTest();

describe("toHaveRunInParallel", () => {
  it("holds for steps of Promise.all, not for a step after them", async () => {
    const run = await kit.t.start("kit.fan-out", { keys: ["a", "b", "c"] });
    await run.result();
    const journal = await run.journal();
    expect(journal).toHaveRunInParallel(["kit.lookup"]);
    expect(journal).not.toHaveRunInParallel(["kit.lookup", "kit.summarize"]);
    expect(() => expect(journal).toHaveRunInParallel(["kit.lookup", "kit.summarize"])).toThrow(
      /step 0 ended before step 3 started: steps 0, 1, 2, 3 ran one after another/,
    );
    expect(() => expect(journal).toHaveRunInParallel(["kit.summarize"])).toThrow(/only one step \(seq 3\) is named so/);
    expect(() => expect(journal).toHaveRunInParallel(["missing"])).toThrow(/the journal has no step named "missing"/);
  });

  it("holds for two sleeps under way at once", async () => {
    const run = await kit.t.start("kit.two-timers", {});
    await run.result();
    expect(await run.journal()).toHaveRunInParallel(["one hour", "two hours"]);
  });
});

describe("toHaveRunOnce", () => {
  it("holds for one step completed at its first attempt", async () => {
    const run = await kit.t.start("kit.fan-out", { keys: ["a", "b"] });
    await run.result();
    const journal = await run.journal();
    expect(journal).toHaveRunOnce("kit.summarize");
    expect(() => expect(journal).toHaveRunOnce("kit.lookup")).toThrow(
      /expected the run to have run "kit.lookup" once, but the journal has 2 steps named "kit.lookup" \(seqs 0, 1\)/,
    );
    expect(() => expect(journal).not.toHaveRunOnce("kit.summarize")).toThrow(
      /expected the run not to have run "kit.summarize" once, but step 2 "kit.summarize" completed/,
    );
  });

  it("fails for a step that needed retries", async () => {
    const run = await kit.t.start("kit.retrying", { failures: 1 });
    await run.result();
    expect(() => expect(run.journal()).toHaveRunOnce("kit.flaky-call")).toThrow(/takes a run's journal: expect\(await run.journal\(\)\)/);
    expect(() => expect({}).toHaveRunOnce("kit.flaky-call")).toThrow(TypeError);
    const journal = await run.journal();
    expect(() => expect(journal).toHaveRunOnce("kit.flaky-call")).toThrow(/step 1 "kit.flaky-call" is completed after 2 attempt\(s\)/);
  });
});

describe("toHaveWaitedForSignal", () => {
  it("holds once the signal was received, with its payload", async () => {
    const run = await kit.t.start("kit.signal-or-timeout", {});
    await run.signal("go", { ok: true });
    await run.result();
    const journal = await run.journal();
    expect(journal).toHaveWaitedForSignal("go");
    expect(journal).toHaveWaitedForSignal("go", { ok: true });
    expect(() => expect(journal).toHaveWaitedForSignal("go", { ok: false })).toThrow(/received "go" with \{"ok":true\}, not \{"ok":false\}/);
    expect(() => expect(journal).toHaveWaitedForSignal("stop")).toThrow(/never waited for signal "stop"/);
  });

  it("fails for a wait that timed out", async () => {
    const run = await kit.t.start("kit.signal-or-timeout", {});
    await run.result();
    expect(() => expect(run.journal()).toHaveWaitedForSignal("go")).toThrow(TypeError);
    expect(() => expect(null).toHaveWaitedForSignal("go")).toThrow(TypeError);
    const journal = await run.journal();
    expect(() => expect(journal).toHaveWaitedForSignal("go")).toThrow(/waited for "go" \(seq 1\) but received nothing/);
    expect(journal.events.map((e) => e.type)).toContain("run.finished");
  });
});
