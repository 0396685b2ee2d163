// GET /chat (a lobby that starts a thread), GET /chat/:threadId (the chat page) and its assets. Public
// like the docs: they hold no data; the page asks for the API token and keeps it in sessionStorage.
import { Hono } from "hono";
import { THREAD_ID_PATTERN } from "../agents/index.ts";
import { CHAT_APP_JS } from "./assets/chat-app.ts";
import { CHAT_CSS } from "./assets/chat-css.ts";
import { CHAT_TRANSPORT_JS } from "./assets/chat-transport.ts";
import { AI_TRANSPORT_JS } from "./generated/ai-transport.ts";
import { chatPage } from "./chat-page.ts";

/** Scripts only from this origin, sockets and fetches only to it, nothing inline, no framing. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE_HEADERS = { "content-security-policy": PAGE_CSP, "cache-control": "no-store", "referrer-policy": "no-referrer" };
/** A Map, not an object literal: a name like "constructor" or "__proto__" must find nothing. */
const ASSETS = new Map<string, { type: string; body: string }>([
  ["app.js", { type: "text/javascript; charset=utf-8", body: CHAT_APP_JS }],
  ["transport.js", { type: "text/javascript; charset=utf-8", body: CHAT_TRANSPORT_JS }],
  // The ai SDK's WebSocketChatTransport, bundled for the browser at install (scripts/build-ui.mjs).
  ["ai-transport.js", { type: "text/javascript; charset=utf-8", body: AI_TRANSPORT_JS }],
  ["chat.css", { type: "text/css; charset=utf-8", body: CHAT_CSS }],
]);

/**
 * @example
 * app.route("/chat", chatPageRoutes());
 */
export function chatPageRoutes() {
  return new Hono<{ Bindings: Env }>()
    .get("/assets/:name", (c) => {
      const asset = ASSETS.get(c.req.param("name"));
      if (asset === undefined) return c.notFound();
      return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "no-cache", "x-content-type-options": "nosniff" });
    })
    .get("/", (c) => c.html(chatPage({ threadId: null }), 200, PAGE_HEADERS))
    .get("/:threadId", (c) => {
      const threadId = c.req.param("threadId");
      if (!THREAD_ID_PATTERN.test(threadId)) return c.notFound();
      return c.html(chatPage({ threadId }), 200, PAGE_HEADERS);
    });
}
