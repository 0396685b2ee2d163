// In a registered module: a weekday digest at 09:00 Paris time, and a sweep every 15 minutes that
// never runs two at once (an instant that comes while the last sweep still runs waits for it, once).
import { defineSchedule, defineWorkflow } from "stepwise";
import { z } from "zod";

export const digest = defineWorkflow({
  name: "digest",
  args: z.object({ inbox: z.string() }),
  handler: async (step, { inbox }) => step.run("summarize", () => `summary of ${inbox}`),
});

export const morningDigest = defineSchedule({
  name: "morning-digest",
  workflow: digest,
  cron: "0 9 * * 1-5",
  timezone: "Europe/Paris",
  args: { inbox: "support" },
});

export const sweep = defineSchedule({
  name: "sweep",
  workflow: digest,
  cron: "*/15 * * * *",
  args: { inbox: "spam" },
  overlap: "buffer_one",
  catchUp: "none",
});
