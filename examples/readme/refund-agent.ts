import { Agent, createThread, createTool, defineWorkflow, stepCountIs } from "stepwise";
import { z } from "zod";

const issueRefund = createTool({
  description: "Refund an order",
  args: z.object({ orderId: z.string(), amountCents: z.number().int() }),
  needsApproval: ({ amountCents }) => amountCents > 5_000, // or `true`: always ask
  handler: async (_ctx, { orderId, amountCents }) => ({ refunded: true, orderId, amountCents }),
});
const refundAgent = new Agent({
  name: "refunds",
  instructions: "You handle refund requests.",
  tools: { issueRefund },
  stopWhen: stepCountIs(4),
  // Wait up to 2 days for a decision; mail a signed approval link for each call that needs one.
  approvals: { expiresIn: 2 * 24 * 60 * 60 * 1000, notify: { to: "refunds@example.com" } },
});

export const refund = defineWorkflow({
  name: "refund",
  args: z.object({ request: z.string(), userId: z.string() }),
  handler: async (step, { request, userId }) => {
    const { threadId } = await createThread(step, { userId });
    // Runs the agent; a call that needs approval waits here, durably, for the decision (or the timeout).
    const { text } = await refundAgent.generateText(step, { threadId }, { prompt: request }, { retry: true });
    return text;
  },
});
