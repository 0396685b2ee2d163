// Example (seed: dynamic routing): a triage step with structured output picks the department, then
// that department's agent answers the same saved prompt.
import { z } from "zod";
import { createThread, defineWorkflow, saveMessage } from "stepwise";
import { billingAgent, supportAgent, triageAgent } from "./example-agents.ts";

export const Department = z.enum(["support", "billing"]);

export const triage = triageAgent.asObjectAction({
  schema: z.object({
    department: Department.describe("Who should handle the request"),
    reason: z.string().describe("Why, in one sentence"),
  }),
});
export const billing = billingAgent.asTextAction();
export const supportAnswer = supportAgent.asTextAction();

export const dynamicRouting = defineWorkflow({
  name: "dynamic-routing",
  args: z.object({ prompt: z.string().min(1).max(10_000), userId: z.string().min(1).max(200).default("demo") }),
  returns: z.object({ threadId: z.string(), department: Department, reason: z.string(), text: z.string() }),
  handler: async (step, { prompt, userId }) => {
    const { threadId } = await createThread(step, { userId });
    const { messageId } = await saveMessage(step, { threadId, prompt });
    const { object } = await step.runAction(triage, { threadId, promptMessageId: messageId }, { retry: true });
    const agentAction = object.department === "billing" ? billing : supportAnswer;
    const { text } = await step.runAction(agentAction, { threadId, promptMessageId: messageId }, { retry: true });
    return { threadId, department: object.department, reason: object.reason, text };
  },
});
