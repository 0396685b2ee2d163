// The parts of the API's answers the chaos harness reads, parsed with zod where they come in (runs,
// journals, run list pages, thread message pages, app rows), so a changed answer fails loudly, not as
// a wrong check.
import { z } from "zod";

export const StepView = z.object({
  seq: z.number(),
  name: z.string(),
  kind: z.string(),
  status: z.string(),
  attempts: z.number(),
  completedAt: z.number().nullable(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type StepView = z.infer<typeof StepView>;

export const RunView = z.object({
  runId: z.string(),
  workflow: z.string(),
  status: z.string(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  waitingFor: z.array(z.unknown()),
  steps: z.array(StepView).default([]),
});
export type RunView = z.infer<typeof RunView>;

export const RunListPage = z.object({
  runs: z.array(z.object({ runId: z.string(), workflow: z.string(), status: z.string() })),
  nextCursor: z.string().nullable(),
});

export const Message = z.object({
  id: z.string(),
  role: z.string(),
  text: z.string(),
  agentName: z.string().nullable(),
  promptMessageId: z.string().nullable(),
  final: z.boolean(),
  message: z.unknown(),
});
export type Message = z.infer<typeof Message>;

export const MessagePage = z.object({ messages: z.array(Message), nextCursor: z.string().nullable() });

export const ProbeCounts = z.record(z.string(), z.number());

export const Started = z.object({ runId: z.string() });

/** A row of an app table (D1) as the test Worker's /test/app-data route shows it: a notification has a message, a post a text. */
export const AppRow = z.object({ id: z.number(), idempotency_key: z.string(), message: z.string().optional(), text: z.string().optional() });
