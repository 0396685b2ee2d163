// Auth for /api: the API_TOKEN as a bearer token (compared in constant time), or a console session
// cookie with its CSRF token (src/kernel/session.ts).
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { checkCsrf, CSRF_HEADER, isApiToken, sessionCookieName, verifySession } from "../kernel/index.ts";
import { problem } from "./problem.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A request from another site: its Origin (browsers send it on every POST and WebSocket) is not ours.
 * A request without Origin comes from no browser page, or a same-origin GET.
 */
export function crossSite(c: Context): boolean {
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== new URL(c.req.url).origin;
}

/**
 * A bearer token, else a session cookie. With the cookie, a request that changes something must carry
 * the session's CSRF token in `x-stepwise-csrf`, and no request may come from another origin (that
 * covers WebSocket upgrades, which are GETs).
 */
export function apiAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected) return problem(c, "auth.not_configured", "the server has no API_TOKEN configured");
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (match === null) return problem(c, "auth.missing_token", "send Authorization: Bearer <API_TOKEN>");
      if (!isApiToken(expected, match[1]!)) return problem(c, "auth.invalid_token", "the bearer token is not valid");
      return next();
    }
    const cookie = getCookie(c, sessionCookieName(c.req.url));
    if (cookie === undefined) return problem(c, "auth.missing_token", "send Authorization: Bearer <API_TOKEN>, or sign in at /console");
    const session = await verifySession({ secret: expected, cookie, now: Date.now() });
    if (session === null) return problem(c, "auth.session_expired", "the session is not valid or has expired; sign in again");
    if (crossSite(c)) return problem(c, "auth.cross_site", "a request from another origin cannot use this session");
    if (!SAFE_METHODS.has(c.req.method) && !(await checkCsrf(expected, session, c.req.header(CSRF_HEADER)))) {
      return problem(c, "auth.csrf_failed", `send the page's CSRF token in ${CSRF_HEADER}`);
    }
    return next();
  };
}
