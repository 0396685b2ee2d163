import { defineMutation, defineWorkflow, requestApproval } from "stepwise";
import { z } from "zod";

// Publishing writes once, keyed by ctx.idempotencyKey (a real one inserts a row: see "App data").
export const publish = defineMutation({
  args: z.object({ text: z.string() }),
  handler: async (ctx, { text }) => ({ postKey: ctx.idempotencyKey, length: text.length }),
});

export const newsletter = defineWorkflow({
  name: "newsletter",
  args: z.object({ draft: z.string() }),
  handler: async (step, { draft }) => {
    const decision = await requestApproval(step, {
      signal: "approval",
      to: "editor@example.com",
      subject: "Publish the draft?",
      summary: draft,
      expiresIn: 24 * 60 * 60 * 1000,
      requestedBy: "newsletter workflow",
    });
    if (decision?.approved) await step.runMutation(publish, { text: draft }); // decision: { approved, decidedAt, by, reason? } or null
    return { published: decision?.approved === true };
  },
});
