import { defineAction, defineWorkflow } from "stepwise";
import { z } from "zod";

export const charge = defineAction({
  args: z.object({ orderId: z.string() }),
  handler: async (ctx, { orderId }) => {
    const res = await fetch(`https://payments.example/charge/${orderId}`, {
      method: "POST",
      signal: ctx.signal,
      headers: { "idempotency-key": ctx.idempotencyKey },
    });
    return (await res.json()) as { chargeId: string };
  },
});

export const checkout = defineWorkflow({
  name: "checkout",
  args: z.object({ orderId: z.string() }),
  handler: async (step, { orderId }) => {
    const { chargeId } = await step.runAction(charge, { orderId }, { retry: true, timeout: 10_000 });
    // The API refuses a payload that fails the schema (400), so `review` is typed and checked.
    const review = await step.waitForSignal("review", { timeout: 24 * 60 * 60 * 1000, schema: z.object({ approved: z.boolean() }) });
    if (!review?.approved) return { chargeId, shipped: false };
    await step.sleep(60_000);
    return { chargeId, shipped: true };
  },
});
