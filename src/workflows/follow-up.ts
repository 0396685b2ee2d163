// Example: answer now, sleep durably (a day by default; a restart in between changes nothing), then
// follow up in the same thread with the first answer in context.
import { z } from "zod";
import { createThread, defineWorkflow } from "stepwise";
import { supportAgent } from "./example-agents.ts";

export const followUp = defineWorkflow({
  name: "follow-up",
  args: z.object({
    prompt: z.string().min(1).max(10_000),
    userId: z.string().min(1).max(200).default("demo"),
    delayMs: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 60 * 60 * 1000)
      .default(24 * 60 * 60 * 1000),
  }),
  returns: z.object({ threadId: z.string(), answer: z.string(), followUp: z.string() }),
  handler: async (step, { prompt, userId, delayMs }) => {
    const { threadId } = await createThread(step, { userId });
    const answer = await supportAgent.generateText(step, { threadId }, { prompt }, { retry: true });
    await step.sleep(delayMs, { name: "wait-before-follow-up" });
    const followUp = await supportAgent.generateText(
      step,
      { threadId },
      { prompt: "Follow up with the customer: did the earlier answer solve the problem?" },
      { retry: true },
    );
    return { threadId, answer: answer.text, followUp: followUp.text };
  },
});
