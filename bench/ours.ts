// Our side of the bench: the equivalent workflow on our engine, and the composed app.
import { z } from "zod";
import { defineWorkflow } from "../src/engine/index.ts";
import { createStepwise } from "../src/stepwise.ts";

/** N trivial sequential steps, optionally followed by waiting for a "go" signal. */
export const chain = defineWorkflow({
  name: "bench-chain",
  args: z.object({ steps: z.number().int(), waitAtEnd: z.boolean().default(false) }),
  handler: async (step, { steps, waitAtEnd }) => {
    for (let i = 0; i < steps; i++) await step.run("s", async () => i);
    if (waitAtEnd) await step.waitForSignal("go");
    return steps;
  },
});

export const stepwise = createStepwise({ definitions: [chain] });
