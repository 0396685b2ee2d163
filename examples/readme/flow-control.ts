import { defineWorkflow } from "stepwise";
import { z } from "zod";

const Sync = z.object({ userId: z.string(), reason: z.string() });

// One sync per user at a time; a burst of edits within 2 s becomes one sync with the last edit's args.
export const syncProfile = defineWorkflow({
  name: "sync-profile",
  args: Sync,
  debounce: { key: (a) => a.userId, period: 2_000, maxWait: 30_000 },
  handler: async (step, { userId }) => step.run("push", () => `synced ${userId}`),
});

// At most 3 exports per customer at once; the others wait in line, durably, and start as slots free.
// No more than 10 starts a minute per customer: the 11th is refused with 429 run.rate_limited.
export const exportReport = defineWorkflow({
  name: "export-report",
  args: z.object({ customerId: z.string(), month: z.string() }),
  concurrency: { key: (a) => a.customerId, limit: 3 },
  rateLimit: { key: (a) => a.customerId, limit: 10, period: 60_000 },
  handler: async (step, { month }) => step.run("render", () => `report for ${month}`),
});

// At most 5 calls per second to a partner API, across all runs: the rest wait their turn.
export const notifyPartner = defineWorkflow({
  name: "notify-partner",
  args: z.object({ orderId: z.string() }),
  throttle: { limit: 5, period: 1_000 },
  handler: async (step, { orderId }) => step.run("notify", () => orderId),
});
