import { Agent, createThread, defineAction, defineWorkflow } from "stepwise";
import { z } from "zod";

const researcher = new Agent({ name: "researcher", instructions: "You research a topic and write notes." });
export const research = researcher.asTextAction(); // agent actions report their answers' tokens themselves

// A model called without an Agent: the action reports what the call cost.
export const translate = defineAction({
  args: z.object({ text: z.string(), to: z.string() }),
  handler: async (ctx, { text, to }) => {
    const res = await fetch("https://llm.example/v1/translate", { method: "POST", body: JSON.stringify({ text, to }), signal: ctx.signal });
    const out = (await res.json()) as { text: string; model: string; usage: { input: number; output: number } };
    const { input, output } = out.usage;
    ctx.reportUsage({ model: out.model, provider: "llm.example", inputTokens: input, outputTokens: output, totalTokens: input + output });
    return out.text;
  },
});

export const brief = defineWorkflow({
  name: "brief",
  args: z.object({ topic: z.string(), to: z.string(), budget: z.number().int().default(20_000) }),
  handler: async (step, { topic, to, budget }) => {
    const { threadId } = await createThread(step, { userId: "briefs" });
    const notes = await step.runAction(research, { threadId, prompt: `Research: ${topic}` }, { retry: true });
    // The tokens of the steps so far, by model; journaled, so a replay reads the same numbers.
    if (step.usage().totalTokens > budget) return { text: notes.text, translated: false };
    const text = await step.runAction(translate, { text: notes.text, to }, { retry: true });
    return { text, translated: true, tokens: step.usage().totalTokens };
  },
});
