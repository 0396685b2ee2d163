// Example (seed: human in the loop): an agent drafts, an approval link goes out by email, a human
// approves or rejects within 24 hours, and only an approved draft is published (exactly once).
import { z } from "zod";
import { appDb, createThread, defineMutation, defineWorkflow, requestApproval } from "stepwise";
import { insertOnce } from "./app-data.ts";
import { writerAgent } from "./example-agents.ts";

export const APPROVAL_SIGNAL = "approval";
const DAY_MS = 24 * 60 * 60 * 1000;

export const draftPost = writerAgent.asTextAction();

/** Publishing is a row in the app's `posts` table (D1), written once per step: its idempotency key is the row's unique key. */
export const publish = defineMutation({
  name: "publish",
  args: z.object({ threadId: z.string(), text: z.string() }),
  handler: async (ctx, { threadId, text }) => {
    const db = appDb(ctx.env);
    const insert = db
      .prepare("INSERT INTO posts (idempotency_key, thread_id, text) VALUES (?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING")
      .bind(ctx.idempotencyKey, threadId, text);
    return { postId: await insertOnce(db, "posts", ctx.idempotencyKey, insert) };
  },
});

export const draftApproval = defineWorkflow({
  name: "draft-approval",
  args: z.object({
    topic: z.string().min(1).max(2000),
    userId: z.string().min(1).max(200).default("demo"),
    timeoutMs: z
      .number()
      .int()
      .min(60_000)
      .max(30 * DAY_MS)
      .default(DAY_MS),
    /** Who gets the emailed approval link. */
    approver: z.email().default("editor@example.com"),
  }),
  returns: z.object({
    threadId: z.string(),
    draft: z.string(),
    outcome: z.enum(["published", "rejected", "timed_out"]),
    by: z.string().optional(),
    /** The `posts` row of a published draft. */
    postId: z.number().int().optional(),
  }),
  handler: async (step, { topic, userId, timeoutMs, approver }) => {
    const { threadId } = await createThread(step, { userId, title: `Draft: ${topic.slice(0, 100)}` });
    const { text } = await step.runAction(draftPost, { threadId, prompt: `Write an announcement about: ${topic}` }, { retry: true });
    // Emails a signed link (GET shows the draft, POST decides once), then waits up to timeoutMs.
    const decision = await requestApproval(step, {
      signal: APPROVAL_SIGNAL,
      to: approver,
      // A subject is one header line: the topic's line breaks (and any other control character) become spaces.
      subject: `Publish the announcement about ${oneLine(topic).slice(0, 60)}?`,
      summary: text,
      expiresIn: timeoutMs,
      requestedBy: "the draft-approval workflow",
    });
    if (decision === null) return { threadId, draft: text, outcome: "timed_out" as const };
    const by = decision.by === undefined ? {} : { by: decision.by };
    if (!decision.approved) return { threadId, draft: text, outcome: "rejected" as const, ...by };
    const { postId } = await step.runMutation(publish, { threadId, text });
    return { threadId, draft: text, outcome: "published" as const, ...by, postId };
  },
});

function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces.
  return text.replace(/[\x00-\x1f\x7f\s]+/g, " ").trim();
}
