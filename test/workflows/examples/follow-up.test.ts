// follow-up: answers, sleeps durably (an hour here, skipped), then follows up with the first answer in
// the thread's context.
import { expect, it } from "vitest";
import { messages, useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();

it("answers, sleeps durably, then follows up with the first answer in context", async () => {
  const run = await kit.t.start("follow-up", { prompt: "My invoice PDF is blank.", delayMs: 60 * 60 * 1000 });
  expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "sleep", name: "wait-before-follow-up" })]);
  const r = (await run.result()) as { threadId: string; answer: string; followUp: string };
  expect(r.followUp).toContain("earlier in this thread");
  const journal = await run.journal();
  expect(journal.steps.map((s) => [s.name, s.kind])).toEqual([
    ["createThread", "mutation"],
    ["support.generateText", "action"],
    ["wait-before-follow-up", "sleep"],
    ["support.generateText", "action"],
  ]);
  const sleep = journal.named("wait-before-follow-up")[0]!;
  expect(sleep.completedAt! - sleep.startedAt).toBeGreaterThanOrEqual(60 * 60 * 1000);
  expect((await messages(r.threadId)).filter((m) => m.role === "user").map((m) => m.text)).toEqual([
    "My invoice PDF is blank.",
    "Follow up with the customer: did the earlier answer solve the problem?",
  ]);
});
