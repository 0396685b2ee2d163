// The thread routes under /api/threads: create a thread, list threads, read one, page through its
// messages, mint a WebSocket ticket; and the ticket-checked WebSockets (chat protocol, thread events).
import { Hono } from "hono";
import { z } from "zod";
import {
  approvalStub,
  createThread,
  getThread,
  IndexedThread,
  listMessages,
  listThreads,
  RetentionDays,
  signTicket,
  TICKET_TTL_MS,
  threadStub,
  ToolApproval,
  verifyTicket,
} from "../agents/index.ts";
import { unwrap } from "../kernel/index.ts";
import { StepwiseError } from "../engine/index.ts";
import { atField, jsonBody, params, query } from "./validators.ts";

export const CreateThreadBody = z.object({
  userId: z.string().min(1).max(200).describe("Who the thread belongs to"),
  title: z.string().max(200).optional(),
  retentionDays: RetentionDays.optional().describe(
    "Delete the thread this many days (0 to 36500, fractions allowed) after its last activity: its last saved message, or its creation. Without it the thread is kept",
  ),
});
export const ThreadParam = z.object({ id: z.string().min(1).max(100) });
export const MessagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "nextCursor from the previous page")
    .optional(),
});

export const ListThreadsQuery = z.object({
  userId: z.string().min(1).max(200).optional().describe("only this user's threads (exact match)"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional().describe("nextCursor from the previous page"),
});
export const ThreadList = z.object({ threads: z.array(IndexedThread), nextCursor: z.string().nullable() });

export const ApprovalParam = z.object({ id: z.string().min(1).max(100), approvalId: z.string().min(1).max(200) });
export const ApprovalsQuery = z.object({
  status: z.enum(["pending", "approved", "denied", "expired", "canceled"]).optional().describe("only approvals in this state"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ApprovalList = z.object({ threadId: z.string(), approvals: z.array(ToolApproval) });
export const DecideToolBody = z.object({
  approved: z.boolean(),
  reason: z.string().max(1000).optional().describe("why; a denial's reason is what the model is told"),
});
export const DecideToolResponse = z.object({ decided: z.literal(true), approval: ToolApproval });
export const UIMessages = z.object({
  threadId: z.string(),
  messages: z.array(z.looseObject({ id: z.string(), role: z.enum(["user", "assistant"]), parts: z.array(z.looseObject({ type: z.string() })) })),
});

const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/**
 * The thread routes, mounted by the app on its bearer-protected `/api` router.
 * @example
 * api.route("/threads", threadRoutes());
 */
export function threadRoutes() {
  return (
    new Hono<{ Bindings: Env }>()
      .post("/", jsonBody(CreateThreadBody), async (c) => {
        const body = c.req.valid("json");
        const key = c.req.header("idempotency-key");
        // With an Idempotency-Key the thread id derives from it, so a retried request names the same thread.
        const ctx = key === undefined ? c.env : { env: c.env, idempotencyKey: `http:${parseKey(key)}` };
        const { threadId } = await createThread(ctx, body);
        return c.json(await getThread(c.env, threadId), 201);
      })
      // Newest first by creation (ties by id). The index is filled by the threads' own pushes.
      .get("/", query(ListThreadsQuery), async (c) => {
        const page = await listThreads(c.env, c.req.valid("query")).catch((err: unknown) => {
          throw atField(err, "request.invalid_cursor", "cursor");
        });
        return c.json(ThreadList.parse(page));
      })
      .get("/:id", params(ThreadParam), async (c) => c.json(await getThread(c.env, c.req.valid("param").id)))
      .get("/:id/messages", params(ThreadParam), query(MessagesQuery), async (c) => {
        const { id } = c.req.valid("param");
        const { limit, cursor } = c.req.valid("query");
        const page = await listMessages(c.env, id, { after: cursor === undefined ? 0 : Number(cursor), limit });
        return c.json({ threadId: id, messages: page.messages, nextCursor: page.nextAfter === null ? null : String(page.nextAfter) });
      })
      // What a useChat client shows: one UI message per prompt and per answer, with the ids the chat streamed.
      .get("/:id/ui-messages", params(ThreadParam), async (c) => {
        const { id } = c.req.valid("param");
        return c.json(UIMessages.parse({ threadId: id, messages: unwrap(await approvalStub(c.env, id).uiMessages()) }));
      })
      .get("/:id/approvals", params(ThreadParam), query(ApprovalsQuery), async (c) => {
        const { id } = c.req.valid("param");
        const approvals = unwrap(await approvalStub(c.env, id).approvals(c.req.valid("query")));
        return c.json(ApprovalList.parse({ threadId: id, approvals }));
      })
      // Decides a tool call that waits for approval, once: the chat's own answer goes on, a workflow run gets it as its signal.
      .post("/:id/approvals/:approvalId", params(ApprovalParam), jsonBody(DecideToolBody), async (c) => {
        const { id, approvalId } = c.req.valid("param");
        const body = c.req.valid("json");
        const decided = unwrap(await approvalStub(c.env, id).decideApproval({ approvalId, ...body, by: "api" }));
        return c.json(DecideToolResponse.parse(decided));
      })
      // Browsers cannot send Authorization on a WebSocket: a bearer client mints a short-lived ticket.
      .post("/:id/ws-ticket", params(ThreadParam), async (c) => {
        const { id } = c.req.valid("param");
        await getThread(c.env, id); // 404 for a thread that does not exist
        const { ticket, expiresAt } = await signTicket({ secret: c.env.API_TOKEN, threadId: id, now: Date.now() });
        const q = `?ticket=${encodeURIComponent(ticket)}`;
        return c.json({ ticket, expiresAt, ttlMs: TICKET_TTL_MS, chatUrl: `/api/threads/${id}/ws${q}`, eventsUrl: `/api/threads/${id}/events${q}` }, 201);
      })
  );
}

export const SocketQuery = z.object({ ticket: z.string().max(2000).optional().describe("a ticket from POST /api/threads/{id}/ws-ticket (60 s)") });

/**
 * The thread WebSockets, mounted before the bearer-protected /api router (their auth is the ticket):
 * `GET /api/threads/:id/ws` speaks WebSocketChatTransport's protocol; `GET /api/threads/:id/events`
 * sends thread events. A missing, invalid, expired or other-thread ticket is refused before the upgrade.
 * @example
 * app.route("/api/threads", threadSocketRoutes());
 */
export function threadSocketRoutes() {
  return new Hono<{ Bindings: Env }>()
    .get("/:id/ws", params(ThreadParam), query(SocketQuery), (c) => openSocket(c.env, c.req.raw, c.req.valid("param").id, c.req.valid("query").ticket, "/chat"))
    .get("/:id/events", params(ThreadParam), query(SocketQuery), (c) =>
      openSocket(c.env, c.req.raw, c.req.valid("param").id, c.req.valid("query").ticket, "/events"),
    );
}

async function openSocket(env: Env, request: Request, threadId: string, ticket: string | undefined, path: "/chat" | "/events"): Promise<Response> {
  await verifyTicket({ secret: env.API_TOKEN, ticket, threadId, now: Date.now() });
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new StepwiseError("request.upgrade_required", "this route needs a WebSocket upgrade (Upgrade: websocket)");
  }
  await getThread(env, threadId); // 404 before the upgrade
  // SAFETY: threadStub's type lists the RPC methods; the object also answers fetch (its socket upgrades).
  const stub = threadStub(env, threadId) as unknown as { fetch(request: Request): Promise<Response> };
  const res = await stub.fetch(new Request(`https://thread.internal${path}`, { headers: request.headers }));
  // A response from another object has immutable headers; copy it so middleware can add its own.
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
}

function parseKey(value: string): string {
  const parsed = IdempotencyKey.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StepwiseError("request.invalid", "invalid Idempotency-Key header", {
    details: { issues: [{ path: ["headers", "idempotency-key"], message: parsed.error.issues[0]?.message ?? "invalid" }] },
  });
}
