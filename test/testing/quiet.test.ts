// When the kit counts a run as quiet: parked on a step, not merely between two steps or awaiting
// something of its own (which the quick turns it waits in would otherwise let pass).
import { expect, it } from "vitest";
import { useStepwiseTest } from "../helpers/kit.ts";

const kit = useStepwiseTest();

it("a handler that awaits a call of its own before its first step is followed to its wait", async () => {
  const run = await kit.t.start("history.counted", { key: `quiet-${crypto.randomUUID()}` });
  // What the start's own wait saw, before any later read could wait again.
  expect(kit.t.statusOf(run.runId)).toBe("waiting");
  expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "signal", signal: "go" })]);
});

it("a run of many quick steps, which gives the event loop a turn every so many of them, is followed to its end", async () => {
  const run = await kit.t.start("many-steps", { n: 600 });
  expect(await run.status()).toBe("completed");
});
