import { afterEach, beforeEach, expect, it } from "vitest";
import { stepwiseTest, type StepwiseTest } from "stepwise/testing";

let t: StepwiseTest;
beforeEach(async () => {
  t = await stepwiseTest(); // time skips, mocks and models are this test's until dispose()
});
afterEach(() => t.dispose());

const HOUR = 60 * 60 * 1000;

it("publishes a draft approved through its emailed link, once", async () => {
  const run = await t.start("draft-approval", { topic: "our new API" });
  expect(await run.waitingFor()).toMatchObject([{ kind: "signal", signal: "approval" }]);

  await run.advance(23 * HOUR); // nothing falls due yet: the link is valid for 24 hours
  await run.approve(); // opens the signed link and presses Approve, as the approver would

  expect(await run.result()).toMatchObject({ outcome: "published" });
  expect(await run.journal()).toHaveRunOnce("publish");
});

it("times out after a day without a decision, and then the link has expired", async () => {
  const publish = t.mock("publish", { returns: { postId: 1 } });
  const run = await t.start("draft-approval", { topic: "our new API" });
  const link = await run.approvalLink();

  expect(await run.result()).toMatchObject({ outcome: "timed_out" }); // the 24-hour wait fires at once
  expect(await run.openLink(link, "approve")).toMatchObject({ status: 410 });
  expect(publish.calls).toEqual([]);
});
