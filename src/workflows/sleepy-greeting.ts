// Example: two steps with a durable sleep between them; the sleep length comes from the args.
// Kill the server during the sleep and restart it: the run wakes on time and greets once.
import { z } from "zod";
import { defineWorkflow } from "stepwise";

export const sleepyGreeting = defineWorkflow({
  name: "sleepy-greeting",
  args: z.object({
    name: z.string().min(1).max(100),
    sleepMs: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60 * 60 * 1000),
  }),
  returns: z.object({ greeting: z.string(), sleptMs: z.number() }),
  handler: async (step, { name, sleepMs }) => {
    const before = await step.run("prepare", () => ({ at: Date.now() }));
    await step.sleep(sleepMs, { name: "nap" });
    const greeting = await step.run("greet", () => `Hello, ${name}! I slept ${sleepMs} ms.`);
    const after = await step.now();
    return { greeting, sleptMs: after - before.at };
  },
});
