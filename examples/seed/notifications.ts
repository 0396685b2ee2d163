// `internal.notifications.send`, which the seed's support workflow calls: a notification row in D1,
// written once per idempotency key (a retried or replayed step writes nothing new).
import { internalMutation, v } from "stepwise/convex";

export const send = internalMutation({
  args: { userId: v.string(), message: v.string() },
  handler: async (ctx, { userId, message }) => {
    await ctx.db
      .prepare("INSERT INTO notifications (idempotency_key, user_id, message, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING")
      .bind(ctx.idempotencyKey, userId, message, Date.now())
      .run();
    const row = await ctx.db.prepare("SELECT id FROM notifications WHERE idempotency_key = ?").bind(ctx.idempotencyKey).first<{ id: number }>();
    return { notificationId: row!.id };
  },
});
