// dynamic-routing: a triage agent picks the department, and that department's agent answers the one
// saved prompt. A mocked triage sends any request where the test wants it.
import { expect, it } from "vitest";
import { messages, useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();

it.each([
  ["billing", "I was charged twice for my subscription, please refund me.", "dynamicRouting.billing"],
  ["support", "The app crashes when I open my profile.", "dynamicRouting.supportAnswer"],
])("routes to %s", async (department, prompt, answeredBy) => {
  const run = await kit.t.start("dynamic-routing", { prompt });
  const r = (await run.result()) as { threadId: string; department: string; text: string };
  expect(r.department).toBe(department);
  const journal = await run.journal();
  expect(journal.steps.map((s) => s.name)).toEqual(["createThread", "saveMessage", "dynamicRouting.triage", answeredBy]);
  expect(journal).toHaveRunOnce(answeredBy);
  expect(r.text).toContain("[offline model]");
  const saved = await messages(r.threadId);
  expect(saved.filter((m) => m.role === "user")).toHaveLength(1);
  for (const m of saved.slice(1)) expect(m.promptMessageId).toBe(saved[0]!.id);
});

it("follows the triage's decision: a mocked triage routes a support question to billing", async () => {
  const triage = kit.t.mock("dynamicRouting.triage", { returns: { object: { department: "billing", reason: "the test says so" } } });
  const run = await kit.t.start("dynamic-routing", { prompt: "The app crashes when I open my profile." });
  expect(await run.result()).toMatchObject({ department: "billing", reason: "the test says so" });
  expect(triage.calls).toHaveLength(1);
  expect(kit.t.calls("dynamicRouting.billing")).toHaveLength(1);
  expect(kit.t.calls("dynamicRouting.supportAnswer")).toEqual([]);
});
