// src/workflows/welcome.ts: greets, waits, then checks in. Each step's result is journaled, so a
// restart during the wait resumes after it and never greets twice.
import { z } from "zod";
import { defineWorkflow } from "stepwise";

export const welcome = defineWorkflow({
  name: "welcome",
  args: z.object({ name: z.string().min(1), waitMs: z.number().int().min(0) }),
  handler: async (step, { name, waitMs }) => {
    const greeting = await step.run("greet", () => `Hello, ${name}!`);
    await step.sleep(waitMs, { name: "wait" });
    const checkIn = await step.run("check-in", () => `Still there, ${name}?`);
    return { greeting, checkIn };
  },
});
