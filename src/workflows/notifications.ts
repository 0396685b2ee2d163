// The notification mutation of the support examples: one row in the app's `notifications` table (D1),
// written exactly once per step: its idempotency key is the row's unique key.
import { z } from "zod";
import { appDb, defineMutation } from "stepwise";
import { insertOnce } from "./app-data.ts";

/**
 * Notifies a user; run again with the same idempotency key, it writes nothing and returns the same id.
 * @example
 * const { notificationId } = await step.runMutation(sendNotification, { userId: "grace", message: "Your export is ready." });
 */
export const sendNotification = defineMutation({
  name: "notifications.send",
  args: z.object({ userId: z.string().min(1).max(200), message: z.string().min(1) }),
  handler: async (ctx, { userId, message }) => {
    const db = appDb(ctx.env);
    const insert = db
      .prepare("INSERT INTO notifications (idempotency_key, user_id, message) VALUES (?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING")
      .bind(ctx.idempotencyKey, userId, message);
    return { notificationId: await insertOnce(db, "notifications", ctx.idempotencyKey, insert) };
  },
});
