// draft-approval with the testing kit: an agent drafts, the approver decides through the signed link, and
// only an approved draft is published, once; a day without a decision times out. No real time passes.
import { afterEach, beforeEach, expect, it } from "vitest";
import { stepwiseTest, type StepwiseTest } from "stepwise/testing";

let t: StepwiseTest;
beforeEach(async () => {
  t = await stepwiseTest();
});
afterEach(() => t.dispose());

const HOUR = 60 * 60 * 1000;

it("approved through the signed link 23 hours in, publishes once", async () => {
  const started = performance.now();
  const run = await t.start("draft-approval", { topic: "our new API" });
  expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "signal", signal: "approval", label: "approval" })]);
  await run.advance(23 * HOUR);
  await run.approve();
  const result = await run.result();
  const ms = performance.now() - started;
  console.log(`draft-approval approved after 23 h: ${ms.toFixed(1)} ms of test time`);
  expect(result).toMatchObject({ outcome: "published", by: "editor@example.com" });
  const journal = await run.journal();
  expect(journal).toHaveRunOnce("publish");
  expect(journal).toHaveWaitedForSignal("approval");
  expect(t.calls("publish")).toHaveLength(1);
});

it("times out after 24 hours, and the link then says so", async () => {
  const run = await t.start("draft-approval", { topic: "our new API" });
  const link = await run.approvalLink();
  expect(await run.result()).toMatchObject({ outcome: "timed_out" });
  expect(await run.openLink(link, "approve")).toMatchObject({ status: 410 });
  expect(t.calls("publish")).toEqual([]);
});
