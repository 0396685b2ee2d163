// The notification mutation of the support examples: delivers a message to the user's inbox thread
// (one per user), exactly once per step thanks to the step's idempotency key.
import { z } from "zod";
import { createThread, saveMessage } from "../agents/index.ts";
import { defineMutation } from "../engine/index.ts";

export const sendNotification = defineMutation({
  name: "notifications.send",
  args: z.object({ userId: z.string().min(1).max(200), message: z.string().min(1) }),
  handler: async (ctx, { userId, message }) => {
    // The inbox's id derives from the user, so every notification of a user lands in the same thread.
    const { threadId } = await createThread({ env: ctx.env, idempotencyKey: `inbox:${userId}` }, { userId, title: `Notifications for ${userId}` });
    const { messageId } = await saveMessage(ctx, { threadId, message: { role: "assistant", content: message }, agentName: "notifications" });
    return { inboxThreadId: threadId, messageId };
  },
});
