// Evicting a run object mid-run: the handler replays from the journal, completed steps do not run again,
// journaled values (step.now()) come back the same, and the run goes on.
import { expect, it } from "vitest";
import { useStepwiseTest } from "../helpers/kit.ts";

const kit = useStepwiseTest();

it("a run evicted while it waits replays deterministically and finishes", async () => {
  const run = await kit.t.start("kit.two-halves", {});
  expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "signal", signal: "go" })]);
  const { replayedSteps } = await run.evict();
  // The first action, step.now() and the wait were journaled: the fresh instance replayed all three.
  expect(replayedSteps).toBe(3);
  await run.signal("go", "now");
  const result = (await run.result()) as { first: string; at: number; go: string; second: string };
  expect(result).toMatchObject({ first: "value of first", go: "now", second: "value of second" });
  expect(kit.t.calls("kit.lookup").map((c) => c.args)).toEqual([{ key: "first" }, { key: "second" }]);
  const steps = (await run.view()).steps!;
  expect(result.at).toBe(steps.find((s) => s.kind === "now")!.result);
});

it("a run evicted in a week's sleep wakes on its timer in a fresh instance", async () => {
  const run = await kit.t.start("kit.week-sleeper", {});
  expect(await run.evict()).toEqual({ replayedSteps: 2 });
  expect(await run.result()).toEqual({ slept: expect.any(Number) });
});
