// Short-lived tickets for thread WebSockets: browsers cannot set headers on a WebSocket, so a client
// with the bearer token mints a ticket for one thread and passes it as ?ticket=. HMAC-SHA256 signed.
import { z } from "zod";
import { StepwiseError } from "../../kernel/index.ts";

/** How long a ticket opens sockets: long enough to connect, short enough that a leaked URL is useless. */
export const TICKET_TTL_MS = 60_000;

const TicketPayload = z.object({ v: z.literal(1), thread: z.string().min(1).max(100), exp: z.number().int().positive(), nonce: z.string().min(8).max(64) });
type TicketPayload = z.infer<typeof TicketPayload>;

const encoder = new TextEncoder();

/** Refusals, each with its own code (problem+json maps them to 401/403). */
export class TicketError extends StepwiseError {
  constructor(code: "ticket.missing" | "ticket.invalid" | "ticket.expired" | "ticket.wrong_thread", message: string) {
    super(code, message);
    this.name = "TicketError";
  }
}

/**
 * Signs a ticket for `threadId` valid until `now + ttlMs`. `secret` is the deployment's API_TOKEN: a
 * ticket key is derived from it, so no other secret is needed and rotating the token voids all tickets.
 * @example
 * const { ticket, expiresAt } = await signTicket({ secret: env.API_TOKEN, threadId, now: Date.now() });
 */
export async function signTicket(opts: {
  secret: string;
  threadId: string;
  now: number;
  ttlMs?: number;
  nonce?: string;
}): Promise<{ ticket: string; expiresAt: number }> {
  const payload: TicketPayload = { v: 1, thread: opts.threadId, exp: opts.now + (opts.ttlMs ?? TICKET_TTL_MS), nonce: opts.nonce ?? crypto.randomUUID() };
  const body = base64url(encoder.encode(JSON.stringify(payload)));
  const sig = await hmac(opts.secret, body);
  return { ticket: `${body}.${base64url(sig)}`, expiresAt: payload.exp };
}

/**
 * Checks a ticket for `threadId` at `now`: signature first (a forged ticket says nothing else), then
 * expiry, then the thread. Throws a TicketError.
 * @example
 * await verifyTicket({ secret: env.API_TOKEN, ticket: url.searchParams.get("ticket"), threadId, now: Date.now() });
 */
export async function verifyTicket(opts: { secret: string; ticket: string | null | undefined; threadId: string; now: number }): Promise<void> {
  if (opts.ticket === null || opts.ticket === undefined || opts.ticket === "")
    throw new TicketError("ticket.missing", "pass ?ticket= from POST /api/threads/:id/ws-ticket");
  const [body, sig, extra] = opts.ticket.split(".");
  if (body === undefined || sig === undefined || extra !== undefined || body.length > 1000) throw new TicketError("ticket.invalid", "the ticket is malformed");
  const given = fromBase64url(sig);
  const expected = await hmac(opts.secret, body);
  if (given === null || !sameBytes(given, new Uint8Array(expected))) {
    throw new TicketError("ticket.invalid", "the ticket's signature is not valid");
  }
  const payload = parsePayload(body);
  if (payload === null) throw new TicketError("ticket.invalid", "the ticket is malformed");
  if (payload.exp <= opts.now) throw new TicketError("ticket.expired", "the ticket expired; mint a new one");
  if (payload.thread !== opts.threadId) throw new TicketError("ticket.wrong_thread", "the ticket is for another thread");
}

/** Constant time for equal lengths (a MAC's length is public). Portable: Node tests sign tickets too. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function parsePayload(body: string): TicketPayload | null {
  const bytes = fromBase64url(body);
  if (bytes === null) return null;
  try {
    const parsed = TicketPayload.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function hmac(secret: string, data: string): Promise<ArrayBuffer> {
  // A key of its own, derived from the secret, so a ticket is never a MAC the bearer token made elsewhere.
  const root = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const derived = await crypto.subtle.sign("HMAC", root, encoder.encode("stepwise ws-ticket v1"));
  const key = await crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, encoder.encode(data));
}

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const b of u8) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (s.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
