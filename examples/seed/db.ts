// `internal.db.save`, which the seed's "Workflow" snippet calls with the same args as the generate step.
import { internalMutation, v } from "stepwise/convex";

export const save = internalMutation({
  args: { threadId: v.string(), prompt: v.string() },
  handler: async (ctx, { threadId, prompt }) => {
    await ctx.db
      .prepare("INSERT INTO saved_prompts (idempotency_key, thread_id, prompt, saved_at) VALUES (?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING")
      .bind(ctx.idempotencyKey, threadId, prompt, Date.now())
      .run();
  },
});
