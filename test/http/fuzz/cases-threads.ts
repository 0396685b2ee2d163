// Fuzz cases for the thread routes: create, list, read, page messages, mint tickets, and the ticket checks
// in front of the two thread WebSockets (missing, forged, expired, other thread's, other purpose's).
import { env } from "cloudflare:workers";
import { signTicket } from "../../../src/agents/streaming/ws-ticket.ts";
import { threadShape, universallyInvalid, withContentType } from "./bodies.ts";
import type { CaseContext, FuzzCase } from "./driver.ts";
import { asUpgrade, carriesBody, expectation, idSegment, parts, request } from "./parts.ts";
import { hex, hostileQuery, idempotencyKey, methodAllowed, PROTO_NAMES, randomToken } from "./values.ts";

function threadSegment(ctx: CaseContext) {
  const known = [{ id: ctx.fx.sentinel.thread, name: "thread" }, ...ctx.fx.throwaway.threads.map((id) => ({ id, name: "throwaway" }))];
  return idSegment(ctx.rng, known, () => `thread_${hex(ctx.rng, 32)}`);
}

const createThread: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const drawn = parts(rng, ["POST"], "required");
  // GET (and HEAD) on /api/threads is the list, a route of its own: a create drawn with one is not refused for its method.
  const listing = methodAllowed(drawn.method, ["GET"]);
  const p = listing ? { ...drawn, badMethod: false, refused: drawn.badAuth } : drawn;
  const key = idempotencyKey(rng) ?? (rng.chance(0.2) ? `fuzz-${ctx.caseNo}` : null);
  const send = async (reused: boolean) => {
    const body = withContentType(rng, threadShape(rng));
    return ctx.send(
      request(p, {
        route: listing ? "GET /api/threads" : "POST /api/threads",
        path: `/api/threads${rng.chance(0.1) ? hostileQuery(rng, ["userId"]) : ""}`,
        headers: { "content-type": body.contentType, "idempotency-key": key },
        body: carriesBody(p.method) ? body.text : null,
        expect: expectation(p.refused, carriesBody(p.method) && body.validity === "invalid"),
        tags: [...body.tags, ...(key === null ? [] : [reused ? "key:reused" : "key"])],
      }),
    );
  };
  await send(false);
  if (key !== null && rng.chance(0.5)) await send(true);
};

const listThreads: FuzzCase = async (ctx) => {
  const p = parts(ctx.rng, ["GET", "POST"], "required");
  await ctx.send(
    request(p, {
      route: methodAllowed(p.method, ["GET"]) ? "GET /api/threads" : "POST /api/threads",
      path: `/api/threads${hostileQuery(ctx.rng, ["userId", "limit", "cursor"])}`,
      expect: expectation(p.refused),
    }),
  );
};

const getThread: FuzzCase = async (ctx) => {
  const t = threadSegment(ctx);
  const p = parts(ctx.rng, ["GET"], "required");
  await ctx.send(
    request(p, {
      route: "GET /api/threads/:id",
      path: `/api/threads/${t.seg}${hostileQuery(ctx.rng, ["x"])}`,
      expect: expectation(p.refused, t.name === "unknown"),
      tags: [`thread:${t.name}`],
    }),
  );
};

const messages: FuzzCase = async (ctx) => {
  const t = threadSegment(ctx);
  const p = parts(ctx.rng, ["GET"], "required");
  await ctx.send(
    request(p, {
      route: "GET /api/threads/:id/messages",
      path: `/api/threads/${t.seg}/messages${hostileQuery(ctx.rng, ["limit", "cursor"])}`,
      expect: expectation(p.refused, t.name === "unknown"),
      tags: [`thread:${t.name}`],
    }),
  );
};

const wsTicket: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const t = threadSegment(ctx);
  const p = parts(rng, ["POST"], "required");
  const body = carriesBody(p.method) && rng.chance(0.3) ? withContentType(rng, universallyInvalid(rng)) : null;
  await ctx.send(
    request(p, {
      route: "POST /api/threads/:id/ws-ticket",
      path: `/api/threads/${t.seg}/ws-ticket`,
      headers: { "content-type": body?.contentType ?? null },
      body: body?.text ?? null,
      expect: expectation(p.refused, t.name === "unknown"),
      tags: [`thread:${t.name}`, ...(body?.tags ?? [])],
    }),
  );
};

/** A ticket for `threadId` and whether it opens that thread's sockets (null: either answer is fine). */
async function ticketFor(ctx: CaseContext, threadId: string): Promise<{ query: string; valid: boolean | null; tag: string }> {
  const { rng, fx } = ctx;
  const now = Date.now();
  const sign = async (o: { secret?: string; thread?: string; now?: number; ttlMs?: number }) =>
    (
      await signTicket({
        secret: o.secret ?? env.API_TOKEN,
        threadId: o.thread ?? threadId,
        now: o.now ?? now,
        ...(o.ttlMs === undefined ? {} : { ttlMs: o.ttlMs }),
      })
    ).ticket;
  const q = (t: string) => `?ticket=${encodeURIComponent(t)}`;
  const kind = rng.pick([
    "valid",
    "valid",
    "none",
    "empty",
    "random",
    "expired",
    "other-thread",
    "forged",
    "approval-token",
    "extra-part",
    "truncated",
    "too-long",
    "repeated",
    "proto",
    "zero-ttl",
  ] as const);
  switch (kind) {
    case "valid":
      return { query: q(await sign({})), valid: true, tag: kind };
    case "none":
      return { query: "", valid: false, tag: kind };
    case "empty":
      return { query: "?ticket=", valid: false, tag: kind };
    case "random":
      return { query: q(`${randomToken(rng)}.${randomToken(rng)}`), valid: false, tag: kind };
    case "expired":
      return { query: q(await sign({ now: now - rng.pick([60_001, 120_000, 86_400_000]) })), valid: false, tag: kind };
    case "other-thread":
      return { query: q(await sign({ thread: threadId === fx.sentinel.thread ? fx.throwaway.threads[0]! : fx.sentinel.thread })), valid: false, tag: kind };
    case "forged":
      return { query: q(await sign({ secret: "another-token" })), valid: false, tag: kind };
    case "approval-token":
      return { query: q(fx.sentinel.approval.token), valid: false, tag: kind };
    case "extra-part":
      return { query: q(`${await sign({})}.x`), valid: false, tag: kind };
    case "truncated": {
      const t = await sign({});
      return { query: q(t.slice(0, rng.int(1, t.length - 1))), valid: false, tag: kind };
    }
    case "too-long":
      return { query: q("a".repeat(rng.pick([1001, 2001, 10_000])) + "." + "b".repeat(43)), valid: false, tag: kind };
    case "repeated":
      return { query: `${q(await sign({}))}&ticket=${rng.pick(["x", "", encodeURIComponent(await sign({}))])}`, valid: null, tag: kind };
    case "proto":
      return { query: `?${rng.pick(PROTO_NAMES)}=1&ticket=${rng.pick(PROTO_NAMES)}`, valid: false, tag: kind };
    case "zero-ttl":
      return { query: q(await sign({ ttlMs: 0 })), valid: false, tag: kind };
  }
}

const threadSocket: FuzzCase = async (ctx) => {
  const { rng } = ctx;
  const t = threadSegment(ctx);
  const channel = rng.pick(["ws", "events"]);
  const ticket = await ticketFor(ctx, t.seg);
  const upgrade = rng.pick(["websocket", "websocket", null, "WebSocket", "h2c", ""]);
  const p = asUpgrade(parts(rng, ["GET"], "ignored"), upgrade);
  const opens = ticket.valid !== false && upgrade?.toLowerCase() === "websocket" && (t.name === "thread" || t.name === "throwaway");
  await ctx.send(
    request(p, {
      route: `GET /api/threads/:id/${channel}`,
      path: `/api/threads/${t.seg}/${channel}${ticket.query}`,
      headers: { upgrade },
      expect: expectation(p.refused, !opens && t.name !== "hostile"),
      tags: [`thread:${t.name}`, `ticket:${ticket.tag}`, `upgrade:${upgrade ?? "none"}`],
    }),
  );
};

export const threadCases: readonly (readonly [number, FuzzCase])[] = [
  [3, createThread],
  [1, listThreads],
  [2, getThread],
  [2, messages],
  [1, wsTicket],
  [4, threadSocket],
];
