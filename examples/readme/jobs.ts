import { env } from "cloudflare:workers";
import { ActionRetrier, Agent, defineAction, defineMutation, defineWorkflow, OnCompleteArgs, Workpool } from "stepwise";
import { z } from "zod";

// In a registered module, so the objects can find them by name (`jobs.sendInvoice`, `jobs.generate`, `jobs.done`).
export const sendInvoice = defineAction({ args: z.object({ orderId: z.string() }), handler: async (_ctx, { orderId }) => ({ invoiceId: `inv-${orderId}` }) });
export const generate = new Agent({ name: "writer", instructions: "Answer in one paragraph." }).asTextAction();
export const done = defineMutation({ args: OnCompleteArgs, handler: async (_ctx, { id, outcome, context }) => console.log(id, outcome.status, context) });

// Anywhere (module scope is fine): handles, no I/O until used.
const retrier = new ActionRetrier(env.ACTION_RUNS, { initialBackoffMs: 250, base: 2, maxFailures: 4 });
const llm = new Workpool(env.WORKPOOLS, { name: "llm", maxParallelism: 5 });

export async function invoice(orderId: string) {
  const id = await retrier.run({ env }, sendInvoice, { orderId }, { onComplete: done, context: { orderId } });
  await retrier.status(id); // { status: "pending" | "running" | "completed" | "failed" | "canceled", attempts, result?, error?, history, ... }
  await retrier.cancel(id);
}

export async function draftLater(prompt: string) {
  const job = await llm.enqueueAction({ env }, generate, { prompt }, { retry: true, onComplete: done });
  await llm.status(job);
  await llm.cancel(job);
  await llm.setMaxParallelism(0); // pause every caller; null goes back to the constructors' value
  await llm.stats(); // { maxParallelism, inFlight, queued, granted, released, expired, ... }
}

// In a workflow: every run's step waits (in line, durably) for one of the same 5 slots.
export const draft = defineWorkflow({
  name: "draft",
  args: z.object({ prompt: z.string() }),
  handler: async (step, { prompt }) => (await step.runAction(generate, { prompt }, { pool: llm })).text,
});
