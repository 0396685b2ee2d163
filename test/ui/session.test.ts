// Signing in to the pages and using the API with the session: the token becomes a signed HttpOnly,
// SameSite=Strict cookie; reads need only the cookie, changes need its CSRF token too; nothing from
// another origin passes; signing out ends it. Real requests through the Worker.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, problemOf, TOKEN } from "../helpers/http.ts";
import { runStub, settle } from "../helpers/runtime.ts";

const ORIGIN = "http://stepwise.test";

function request(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, redirect: "manual", headers: init.headers ?? {}, body: init.body ?? null }));
}

function form(fields: Record<string, string>): { headers: Record<string, string>; body: string } {
  return { headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() };
}

/** Signs in and answers the cookie pair and the CSRF token the console page carries. */
async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await request("POST", "/console/sign-in", form({ token: TOKEN, next: "/console" }));
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const page = await request("GET", "/console", { headers: { cookie } });
  expect(page.status).toBe(200);
  const csrf = /<meta name="stepwise-csrf" content="([^"]+)"/.exec(await page.text())![1]!;
  return { cookie, csrf };
}

describe("signing in", () => {
  it("sends a console page without a session to sign-in, and back after it", async () => {
    const res = await request("GET", "/console?status=failed");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/sign-in?next=%2Fconsole%3Fstatus%3Dfailed");
    const signInPage = await request("GET", "/console/sign-in?next=%2Fconsole%3Fstatus%3Dfailed");
    expect(await signInPage.text()).toContain('value="/console?status=failed"');

    const signedIn = await request("POST", "/console/sign-in", form({ token: TOKEN, next: "/console?status=failed" }));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/console?status=failed");
    const setCookie = signedIn.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^stepwise-session=v1\./);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain("Secure"); // plain http here; https gets Secure and the __Host- prefix
    expect(setCookie).not.toContain(TOKEN);
  });

  it("gives an https deployment a Secure __Host- cookie", async () => {
    const res = await exports.default.fetch(
      new Request("https://stepwise.example/console/sign-in", { method: "POST", redirect: "manual", ...form({ token: TOKEN, next: "/console" }) }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/^__Host-stepwise-session=v1\.[^;]+;.*Secure/);
  });

  it("refuses a wrong token, and a next that leaves the site goes to /console", async () => {
    const wrong = await request("POST", "/console/sign-in", form({ token: "nope", next: "/console" }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("That token was refused.");
    for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const res = await request("POST", "/console/sign-in", form({ token: TOKEN, next }));
      expect(res.headers.get("location")).toBe("/console");
    }
  });

  it("refuses a sign-in posted from another site", async () => {
    const res = await request("POST", "/console/sign-in", { ...form({ token: TOKEN }), headers: { ...form({}).headers, origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a forged or tampered cookie", async () => {
    const { cookie } = await signIn();
    const [name, value] = cookie.split("=") as [string, string];
    const parts = value.split(".");
    const later = `${name}=${parts[0]}.${Number(parts[1]) + 1000}.${parts[2]}.${parts[3]}`;
    expect((await request("GET", "/console", { headers: { cookie: later } })).status).toBe(303);
    const api = await request("GET", "/api/runs", { headers: { cookie: later } });
    expect(api.status).toBe(401);
    expect((await problemOf(api)).code).toBe("auth.session_expired");
  });

  it("signs out with the CSRF token only, and the cookie is cleared", async () => {
    const { cookie, csrf } = await signIn();
    const forged = await request("POST", "/console/sign-out", { ...form({ _csrf: "x" }), headers: { ...form({}).headers, cookie } });
    expect(forged.status).toBe(403);
    const out = await request("POST", "/console/sign-out", { ...form({ _csrf: csrf }), headers: { ...form({}).headers, cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/^stepwise-session=;.*Max-Age=0/);
  });
});

describe("the API with a session", () => {
  it("reads with the cookie; a change needs the CSRF token and a same-origin request", async () => {
    const { cookie, csrf } = await signIn();
    expect((await request("GET", "/api/runs", { headers: { cookie } })).status).toBe(200);

    const body = JSON.stringify({ args: { request: "ship", timeoutMs: 60_000 } });
    const json = { "content-type": "application/json", cookie };
    const noCsrf = await request("POST", "/api/workflows/await-approval/runs", { headers: json, body });
    expect(noCsrf.status).toBe(403);
    expect((await problemOf(noCsrf)).code).toBe("auth.csrf_failed");
    const crossSite = await request("POST", "/api/workflows/await-approval/runs", {
      headers: { ...json, "x-stepwise-csrf": csrf, origin: "https://evil.example" },
      body,
    });
    expect(crossSite.status).toBe(403);
    expect((await problemOf(crossSite)).code).toBe("auth.cross_site");
    // Neither refusal started anything.
    const before = (await (await call("GET", "/api/runs?workflow=await-approval")).json()) as { runs: unknown[] };
    expect(before.runs).toEqual([]);

    const started = await request("POST", "/api/workflows/await-approval/runs", { headers: { ...json, "x-stepwise-csrf": csrf, origin: ORIGIN }, body });
    expect(started.status).toBe(201);
    const { runId } = (await started.json()) as { runId: string };
    await settle(runStub(runId));
    const list = await (await request("GET", "/console", { headers: { cookie } })).text();
    expect(list).toContain(`data-run-id="${runId}"`);
    expect(list).toMatch(/data-count-status="waiting"[^>]*>.*?<b>\d+<\/b>/s);
    expect(list).toContain('data-count-workflow="await-approval"');
    const page = await request("GET", `/console/runs/${runId}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(runId);
    expect(html).toContain("waiting");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).not.toContain("unsafe-inline");
  });

  it("a CSRF token from another session does not pass", async () => {
    const a = await signIn();
    const b = await signIn();
    const res = await request("POST", "/api/runs/run_x/cancel", { headers: { cookie: a.cookie, "x-stepwise-csrf": b.csrf } });
    expect(res.status).toBe(403);
    expect((await problemOf(res)).code).toBe("auth.csrf_failed");
  });
});

describe("the landing page", () => {
  it("answers / with links to the console, the chat, the API reference and the health", async () => {
    const res = await request("GET", "/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    for (const href of ['href="/console"', 'href="/chat"', 'href="/api/docs"', 'href="/healthz"']) expect(html).toContain(href);
    expect(html).toContain("Configuration OK");
  });

  it("serves the console's bundled script and stylesheet, and nothing else by that route", async () => {
    const js = await request("GET", "/assets/console.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect((await request("GET", "/assets/console.css")).headers.get("content-type")).toContain("text/css");
    expect((await request("GET", "/assets/constructor")).status).toBe(404);
  });
});

describe("page headers", () => {
  it("pages keep Referrer-Policy same-origin (a same-origin form post keeps its Origin); approval pages keep no-referrer", async () => {
    const page = await request("GET", "/console/sign-in");
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const approval = await request("GET", "/approvals/not-a-token");
    expect(approval.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
