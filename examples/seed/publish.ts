// `internal.publish`, which the seed's human-in-the-loop workflow calls: a module that is one mutation
// (registered as `publish`), writing a post once per idempotency key.
import { internalMutation, v } from "stepwise/convex";

export default internalMutation({
  args: { text: v.string() },
  handler: async (ctx, { text }) => {
    await ctx.db
      .prepare("INSERT INTO posts (idempotency_key, text, published_at) VALUES (?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING")
      .bind(ctx.idempotencyKey, text, Date.now())
      .run();
  },
});
