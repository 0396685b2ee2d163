// Example (seed: parallel agents): fan out one analyst step per prompt with Promise.all (they run
// at the same time, each in its own step), then summarize the results in one more step.
import { z } from "zod";
import { createThread, defineWorkflow } from "stepwise";
import { analystAgent, summarizerAgent } from "./example-agents.ts";

export const analyze = analystAgent.asTextAction();
export const summarize = summarizerAgent.asTextAction();

export const parallelAgents = defineWorkflow({
  name: "parallel-agents",
  args: z.object({ prompts: z.array(z.string().min(1).max(2000)).min(1).max(10), userId: z.string().min(1).max(200).default("demo") }),
  returns: z.object({ threadId: z.string(), analyses: z.array(z.string()), summary: z.string() }),
  handler: async (step, { prompts, userId }) => {
    const { threadId } = await createThread(step, { userId, title: "Parallel analysis" });
    const results = await Promise.all(prompts.map((prompt) => step.runAction(analyze, { threadId, prompt }, { retry: true })));
    // The summarizer reads the analyses from the thread's history: the step args stay small.
    const summary = await step.runAction(summarize, { threadId, prompt: `Summarize the ${results.length} analyses above.` }, { retry: true });
    return { threadId, analyses: results.map((r) => r.text), summary: summary.text };
  },
});
