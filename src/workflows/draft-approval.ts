// Example (seed: human in the loop): an agent drafts, a human approves or rejects within 24 hours,
// and only an approved draft is published (a mutation step, exactly once).
import { z } from "zod";
import { createThread, saveMessage } from "../agents/index.ts";
import { defineMutation, defineWorkflow, type StepContext } from "../engine/index.ts";
import { writerAgent } from "./example-agents.ts";

export const APPROVAL_SIGNAL = "approval";
const DAY_MS = 24 * 60 * 60 * 1000;

const Decision = z.object({ approved: z.boolean(), by: z.string().max(200).optional() });
type Decision = z.infer<typeof Decision>;

const draftPost = writerAgent.asTextAction();

/** Publishing is a message in the thread, saved once per step (a real app would post it somewhere). */
const publish = defineMutation({
  name: "publish",
  args: z.object({ threadId: z.string(), text: z.string() }),
  handler: async (ctx, { threadId, text }) => {
    const { messageId } = await saveMessage(ctx, { threadId, message: { role: "assistant", content: `Published: ${text}` }, agentName: "publisher" });
    return { messageId };
  },
});

/**
 * The human decision on a draft, or null when none came in time. An approval request (an emailed
 * link) is a step that goes first in here, before the wait; the wait already accepts early signals.
 */
async function decide(step: StepContext, timeoutMs: number): Promise<Decision | null> {
  const raw = await step.waitForSignal(APPROVAL_SIGNAL, { timeout: timeoutMs });
  if (raw === null) return null;
  const decision = Decision.safeParse(raw);
  // A payload that is not a decision approves nothing.
  return decision.success ? decision.data : { approved: false, by: "invalid decision payload" };
}

export const draftApproval = defineWorkflow({
  name: "draft-approval",
  args: z.object({
    topic: z.string().min(1).max(2000),
    userId: z.string().min(1).max(200).default("demo"),
    timeoutMs: z.number().int().min(1).max(30 * DAY_MS).default(DAY_MS),
  }),
  returns: z.object({
    threadId: z.string(),
    draft: z.string(),
    outcome: z.enum(["published", "rejected", "timed_out"]),
    by: z.string().optional(),
  }),
  handler: async (step, { topic, userId, timeoutMs }) => {
    const { threadId } = await createThread(step, { userId, title: `Draft: ${topic.slice(0, 100)}` });
    const { text } = await step.runAction(draftPost, { threadId, prompt: `Write an announcement about: ${topic}` }, { retry: true });
    const decision = await decide(step, timeoutMs);
    if (decision === null) return { threadId, draft: text, outcome: "timed_out" as const };
    const by = decision.by === undefined ? {} : { by: decision.by };
    if (!decision.approved) return { threadId, draft: text, outcome: "rejected" as const, ...by };
    await step.runMutation(publish, { threadId, text });
    return { threadId, draft: text, outcome: "published" as const, ...by };
  },
});
