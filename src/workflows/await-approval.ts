// Example: waits for an "approval" signal whose payload is a decision (the API refuses any other with a
// 400), with a timeout, then records it. A signal sent early is buffered; with none in time, "timed out".
import { z } from "zod";
import { defineWorkflow } from "stepwise";

const Decision = z.object({ approved: z.boolean(), by: z.string().optional() });

export const awaitApproval = defineWorkflow({
  name: "await-approval",
  args: z.object({
    request: z.string().min(1).max(1000),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60 * 60 * 1000)
      .default(24 * 60 * 60 * 1000),
  }),
  returns: z.object({ request: z.string(), outcome: z.enum(["approved", "rejected", "timed_out"]), by: z.string().optional() }),
  handler: async (step, { request, timeoutMs }) => {
    const decision = await step.waitForSignal("approval", { timeout: timeoutMs, schema: Decision });
    if (decision === null) return { request, outcome: "timed_out" as const };
    const outcome = decision.approved ? ("approved" as const) : ("rejected" as const);
    await step.run("record-decision", () => ({ outcome, at: Date.now() }));
    return decision.by === undefined ? { request, outcome } : { request, outcome, by: decision.by };
  },
});
