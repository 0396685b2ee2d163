import { defineAction, defineWorkflow } from "stepwise";
import { z } from "zod";

const DAY_MS = 24 * 60 * 60 * 1000;
const Order = z.object({ orderId: z.string() });
export const charge = defineAction({ args: Order, handler: async (_ctx, { orderId }) => ({ chargeId: `ch-${orderId}` }) });
export const sendReceipt = defineAction({ args: Order, handler: async (_ctx, { orderId }) => ({ receipt: `r-${orderId}` }) });

export const billing = defineWorkflow({
  name: "billing",
  args: Order,
  handler: async (step, { orderId }) => {
    await step.runAction(charge, { orderId });
    if (step.patched("send-receipt")) await step.runAction(sendReceipt, { orderId }); // added while runs were in flight
    await step.sleep(DAY_MS);
  },
});
