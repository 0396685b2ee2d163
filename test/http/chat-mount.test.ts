// The chat page is the ui layer's and joins the http layer's app in src/stepwise.ts: it is still served
// under the app's middleware (secure headers), and its misses are the app's problem+json 404s.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pageRequest, signIn } from "../helpers/session.ts";

const get = (path: string) => exports.default.fetch(new Request(`http://stepwise.test${path}`, { redirect: "manual" }));

describe("/chat, mounted by createStepwise", () => {
  it("serves the start screen and its assets, with the page's CSP and the app's secure headers", async () => {
    const { cookie } = await signIn();
    const start = await pageRequest("GET", "/chat", { cookie });
    expect(start.status).toBe(200);
    expect(start.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(start.headers.get("x-content-type-options")).toBe("nosniff");
    for (const asset of ["/assets/chat.js", "/assets/chat.css"]) expect((await get(asset)).status).toBe(200);
  });

  it.each(["/chat/assets/app.js", "/chat/assets/nope.js", "/chat/not%20a%20thread", "/nothing-here"])("answers %s with a problem+json 404", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "route.not_found" });
  });
});
