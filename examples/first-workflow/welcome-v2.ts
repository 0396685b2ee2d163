// src/workflows/welcome.ts, version 2: a tip before the wait. Version 1 stays exported for the runs that
// started on it (a run continues on the version it started on); new runs start on version 2.
import { z } from "zod";
import { defineWorkflow } from "stepwise";

const args = z.object({ name: z.string().min(1), waitMs: z.number().int().min(0) });

export const welcomeV1 = defineWorkflow({
  name: "welcome",
  version: 1,
  args,
  handler: async (step, { name, waitMs }) => {
    const greeting = await step.run("greet", () => `Hello, ${name}!`);
    await step.sleep(waitMs, { name: "wait" });
    const checkIn = await step.run("check-in", () => `Still there, ${name}?`);
    return { greeting, checkIn };
  },
});

export const welcome = defineWorkflow({
  name: "welcome",
  version: 2,
  args,
  handler: async (step, { name, waitMs }) => {
    const greeting = await step.run("greet", () => `Hello, ${name}!`);
    const tip = await step.run("tip", () => "npx stepwise show <runId> draws a run's steps.");
    await step.sleep(waitMs, { name: "wait" });
    const checkIn = await step.run("check-in", () => `Still there, ${name}?`);
    return { greeting, tip, checkIn };
  },
});
