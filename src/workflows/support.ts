// Examples (seed: the Workflow component): thread, saved prompt, an answer in a retried action step
// (promptMessageId: never saved or answered twice), a notification mutation (a D1 row); and a typed-object variant.
import { z } from "zod";
import { createThread, defineQueueTrigger, defineWorkflow, saveMessage, stepCountIs } from "stepwise";
import { supportAgent } from "./example-agents.ts";
import { sendNotification } from "./notifications.ts";

export const generateSupport = supportAgent.asTextAction({ stopWhen: stepCountIs(10) });

export const getStructuredSupport = supportAgent.asObjectAction({
  schema: z.object({
    analysis: z.string().describe("Analysis of the request"),
    instruction: z.string().describe("Suggested action"),
  }),
});

const SupportArgs = z.object({ prompt: z.string().min(1).max(10_000), userId: z.string().min(1).max(200) });

export const support = defineWorkflow({
  name: "support",
  args: SupportArgs,
  returns: z.object({ threadId: z.string(), text: z.string(), notification: z.object({ notificationId: z.number().int() }) }),
  handler: async (step, { prompt, userId }) => {
    const { threadId } = await createThread(step, { userId });
    const { messageId } = await saveMessage(step, { threadId, prompt });
    const { text } = await step.runAction(generateSupport, { threadId, promptMessageId: messageId }, { retry: true });
    const notification = await step.runMutation(sendNotification, { userId, message: text });
    return { threadId, text, notification };
  },
});

export const supportStructured = defineWorkflow({
  name: "support-structured",
  args: SupportArgs,
  returns: z.object({ threadId: z.string(), analysis: z.string(), instruction: z.string() }),
  handler: async (step, { prompt, userId }) => {
    const { threadId } = await createThread(step, { userId });
    const { messageId } = await saveMessage(step, { threadId, prompt });
    const { object } = await step.runAction(getStructuredSupport, { threadId, promptMessageId: messageId }, { retry: true });
    await step.runMutation(sendNotification, { userId, message: object.instruction });
    return { threadId, ...object };
  },
});

// Support tickets also arrive on a Cloudflare Queue (wrangler.toml): each message, `{ prompt, userId }`,
// starts one `support` run; one the schema refuses goes to the dead letters with the failing paths.
export const supportTickets = defineQueueTrigger({
  queue: "stepwise-support-tickets",
  workflow: support,
  deadLetter: "DEAD_LETTERS",
  producer: "SUPPORT_TICKETS",
});
