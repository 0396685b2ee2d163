// The chat's calls to the app's API from the browser: the session cookie goes by itself, a request that
// changes something carries the page's CSRF token (its meta tag); a 401 sends the reader to sign in.
import * as z from "zod/mini";
import { MessagePage, type ChatMessage } from "./messages.ts";

const CSRF_HEADER = "x-stepwise-csrf";

/** Where signing in brings the reader back to: this page. */
export function signInUrl(): string {
  return `/console/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** The API refused a call: its status and its problem's code (`thread.not_found`, `auth.csrf_failed`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const Problem = z.object({ detail: z.optional(z.string()), title: z.optional(z.string()), code: z.optional(z.string()) });

function csrf(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="stepwise-csrf"]')?.content ?? "";
}

/**
 * A call to /api with the session; its JSON answer parsed by `schema`.
 * @example
 * const { ticket } = await api("POST", `/api/threads/${id}/ws-ticket`, Ticket);
 */
export async function api<T>(method: "GET" | "POST", path: string, schema: z.ZodMiniType<T>, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers[CSRF_HEADER] = csrf();
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? null : JSON.stringify(body) });
  if (res.status === 401) {
    location.assign(signInUrl());
    throw new ApiError(401, "auth.session_expired", "the session has ended; signing in again");
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const p = Problem.safeParse(json);
    const code = (p.success ? p.data.code : undefined) ?? `http.${res.status}`;
    throw new ApiError(res.status, code, `${(p.success ? (p.data.detail ?? p.data.title) : undefined) ?? `HTTP ${res.status}`} (${code})`);
  }
  return schema.parse(json);
}

const Ticket = z.object({ ticket: z.string() });
const Created = z.object({ threadId: z.string() });

/** A WebSocket ticket for the thread's chat and event sockets (they cannot carry the cookie's CSRF check). */
export async function mintTicket(threadId: string): Promise<string> {
  return (await api("POST", `/api/threads/${encodeURIComponent(threadId)}/ws-ticket`, Ticket)).ticket;
}

export async function createThread(): Promise<string> {
  return (await api("POST", "/api/threads", Created, { userId: "web" })).threadId;
}

/** Every saved message of a thread, oldest first, over as many pages as it takes. */
export async function loadMessages(threadId: string): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await api("GET", `/api/threads/${encodeURIComponent(threadId)}/messages?limit=100${q}`, MessagePage);
    all.push(...page.messages);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}
