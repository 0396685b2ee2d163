// Example: waits for an "approval" signal with a timeout, then records the decision.
// A signal sent before the wait is buffered; with no signal in time, the run ends "timed out".
import { z } from "zod";
import { defineWorkflow } from "../engine/index.ts";

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
    const raw = await step.waitForSignal("approval", { timeout: timeoutMs });
    if (raw === null) return { request, outcome: "timed_out" as const };
    const decision = Decision.safeParse(raw);
    if (!decision.success) return { request, outcome: "rejected" as const, by: "invalid decision payload" };
    const outcome = decision.data.approved ? ("approved" as const) : ("rejected" as const);
    await step.run("record-decision", () => ({ outcome, at: Date.now() }));
    return decision.data.by === undefined ? { request, outcome } : { request, outcome, by: decision.data.by };
  },
});
