import { defineWorkflow } from "stepwise";
import { z } from "zod";

const args = z.object({ month: z.string() });

// The old code stays registered for the runs that started on it; new runs start on version 2.
export const reportV1 = defineWorkflow({
  name: "report",
  version: 1,
  args,
  handler: async (step, { month }) => step.run("totals", () => ({ month, total: 42 })),
});
export const report = defineWorkflow({
  name: "report",
  version: 2,
  args,
  handler: async (step, { month }) => {
    const totals = await step.run("totals", () => ({ month, total: 42 }));
    await step.run("archive", () => ({ archived: `${month}.json` })); // the new step
    return totals;
  },
});
