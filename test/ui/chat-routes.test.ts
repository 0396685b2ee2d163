// The chat's pages from real requests through the Worker: behind the session (a stranger goes to sign
// in and comes back), server-rendered from the API (the thread list, a thread's history with its usage),
// the token nowhere in them, and the page's CSP allowing no inline script or style.
import { describe, expect, it } from "vitest";
import { appendMessages } from "../../src/agents/threads.ts";
import { env } from "cloudflare:workers";
import { call, TOKEN } from "../helpers/http.ts";
import { pageRequest, signIn } from "../helpers/session.ts";

async function newThread(title?: string): Promise<string> {
  const res = await call("POST", "/api/threads", { userId: "ada", ...(title === undefined ? {} : { title }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { threadId: string }).threadId;
}

describe("the chat pages", () => {
  it.each(["/chat", "/chat/thread_0123456789abcdef0123456789abcdef"])("send %s without a session to sign in, and back after it", async (path) => {
    const res = await pageRequest("GET", path);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/console/sign-in?next=${encodeURIComponent(path)}`);
  });

  it("renders the start screen: the button, the thread list (or none yet), the CSRF token, never the API token", async () => {
    const threadId = await newThread("Trip to Paris");
    const { cookie, csrf } = await signIn();
    const res = await pageRequest("GET", "/chat", { cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<button type="button" id="new-thread" class="primary" disabled="">Start a new thread</button>');
    expect(html).toContain(`<meta name="stepwise-csrf" content="${csrf}"`);
    expect(html).toContain('<script type="module" src="/assets/chat.js">');
    expect(html).toContain('<link rel="stylesheet" href="/assets/chat.css"');
    expect(html).not.toContain(TOKEN);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\sstyle=/); // the CSP blocks style attributes
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    const listed = await call("GET", "/api/threads?limit=20");
    if (listed.status === 404) {
      // GET /api/threads is not on this base yet: the page says so instead of listing.
      expect(html).toContain("No threads yet.");
    } else {
      expect(html).toContain(`<a href="/chat/${threadId}">Trip to Paris</a>`);
    }
  });

  it("renders a thread's history on the server, with the usage of an answer", async () => {
    const threadId = await newThread();
    const [prompt] = await appendMessages(env, threadId, [{ message: { role: "user", content: "Where is my parcel?" } }]);
    await appendMessages(env, threadId, [
      {
        message: { role: "assistant", content: [{ type: "text", text: "On its way." }] },
        agentName: "support",
        usage: { inputTokens: 12, outputTokens: 40, totalTokens: 52 },
        promptMessageId: prompt!.id,
        finishReason: "stop",
        final: true,
      },
    ]);
    const { cookie } = await signIn();
    const res = await pageRequest("GET", `/chat/${threadId}`, { cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`data-thread-id="${threadId}"`);
    expect(html).toMatch(/<li class="msg user"[^>]*data-role="user"><div class="text">Where is my parcel\?<\/div><\/li>/);
    expect(html).toMatch(
      /<li class="msg assistant"[^>]*><div class="who">support<\/div><div class="text">On its way.<\/div><div class="usage">12 in · 40 out tokens<\/div><\/li>/,
    );
    expect(html).toContain('<label for="prompt" class="visually-hidden">Message</label>');
  });

  it("answers a thread that does not exist with a 404 page", async () => {
    const { cookie } = await signIn();
    const res = await pageRequest("GET", "/chat/thread_0123456789abcdef0123456789abcdef", { cookie });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("No such thread");
  });
});
