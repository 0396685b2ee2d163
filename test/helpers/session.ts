// Signing in to the pages from in-runtime tests: the sign-in form posted with the token, answering the
// session cookie to send back and the CSRF token a page carries in its meta tag.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { TOKEN } from "./http.ts";

export const ORIGIN = "http://stepwise.test";

/** A page or API request through the Worker, redirects not followed. */
export function pageRequest(method: string, path: string, headers: Record<string, string> = {}, body?: BodyInit): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { method, redirect: "manual", headers, body: body ?? null }));
}

/** Signs in and answers the cookie pair and the CSRF token of the session. */
export async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const form = new URLSearchParams({ token: TOKEN, next: "/console" }).toString();
  const res = await pageRequest("POST", "/console/sign-in", { "content-type": "application/x-www-form-urlencoded" }, form);
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const page = await pageRequest("GET", "/console", { cookie });
  expect(page.status).toBe(200);
  const csrf = /<meta name="stepwise-csrf" content="([^"]+)"/.exec(await page.text())![1]!;
  return { cookie, csrf };
}
