// parallel-agents: one action step per prompt, under way at once (Promise.all), then a summary that
// reads every analysis from the thread.
import { expect, it } from "vitest";
import { messages, useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();

it("fans out one action step per prompt in parallel, then summarizes from the thread", async () => {
  const prompts = ["Pros of remote work?", "Cons of remote work?", "Cost of office space?"];
  const run = await kit.t.start("parallel-agents", { prompts });
  const r = (await run.result()) as { threadId: string; analyses: string[]; summary: string };
  for (const [i, p] of prompts.entries()) expect(r.analyses[i]).toContain(p);
  // Each analyst saw only its own prompt (recentMessages: 0), however the parallel writes interleaved.
  for (const a of r.analyses) expect(a).not.toContain("earlier in this thread");
  expect(r.summary).toContain("earlier in this thread");
  const journal = await run.journal();
  expect(journal.named("parallelAgents.analyze")).toHaveLength(3);
  expect(journal).toHaveRunInParallel(["parallelAgents.analyze"]);
  expect(journal).not.toHaveRunInParallel(["parallelAgents.analyze", "parallelAgents.summarize"]);
  expect((await messages(r.threadId)).filter((m) => m.role === "user")).toHaveLength(4);
});
