// The thread routes under /api/threads: create a thread, read it, page through its messages.
// Inputs are parsed with zod (validators.ts); errors are problem+json through StepwiseError codes.
import { Hono } from "hono";
import { z } from "zod";
import { createThread, getThread, listMessages } from "../agents/index.ts";
import { StepwiseError } from "../engine/index.ts";
import { jsonBody, params, query } from "./api/validators.ts";

export const CreateThreadBody = z.object({
  userId: z.string().min(1).max(200).describe("Who the thread belongs to"),
  title: z.string().max(200).optional(),
});
export const ThreadParam = z.object({ id: z.string().min(1).max(100) });
export const MessagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^\d{1,15}$/, "nextCursor from the previous page").optional(),
});

const IdempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/**
 * The thread routes, mounted by the app on its bearer-protected `/api` router.
 * @example
 * api.route("/threads", threadRoutes());
 */
export function threadRoutes() {
  return new Hono<{ Bindings: Env }>()
    .post("/", jsonBody(CreateThreadBody), async (c) => {
      const body = c.req.valid("json");
      const key = c.req.header("idempotency-key");
      // With an Idempotency-Key the thread id derives from it, so a retried request names the same thread.
      const ctx = key === undefined ? c.env : { env: c.env, idempotencyKey: `http:${parseKey(key)}` };
      const { threadId } = await createThread(ctx, body);
      return c.json(await getThread(c.env, threadId), 201);
    })
    .get("/:id", params(ThreadParam), async (c) => c.json(await getThread(c.env, c.req.valid("param").id)))
    .get("/:id/messages", params(ThreadParam), query(MessagesQuery), async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const page = await listMessages(c.env, id, { after: cursor === undefined ? 0 : Number(cursor), limit });
      return c.json({ threadId: id, messages: page.messages, nextCursor: page.nextAfter === null ? null : String(page.nextAfter) });
    });
}

function parseKey(value: string): string {
  const parsed = IdempotencyKey.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StepwiseError("request.invalid", "invalid Idempotency-Key header", {
    details: { issues: [{ path: ["headers", "idempotency-key"], message: parsed.error.issues[0]?.message ?? "invalid" }] },
  });
}
