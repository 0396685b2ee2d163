// Signing in to the pages: the API token, posted once from the sign-in form, becomes a short-lived signed
// session cookie (HttpOnly, SameSite=Strict, Secure except on http://localhost); the token is kept nowhere.
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { checkCsrf, csrfToken, isApiToken, sessionCookieName, signSession, verifySession, type Session } from "../kernel/index.ts";

export interface PageVars {
  session: Session;
  /** The session's CSRF token: every page carries it in a meta tag; fetches send it in x-stepwise-csrf. */
  csrf: string;
}

/** Where to go after signing in: a path on this site, never another origin (`//host`, `/\host`). */
export function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && next.length <= 500 ? next : "/console";
}

/**
 * Pages behind sign-in: without a valid session, a GET goes to the sign-in page (then back here).
 * @example
 * app.use("/console/*", requireSession());
 */
export function requireSession(): MiddlewareHandler<{ Bindings: Env; Variables: PageVars }> {
  return async (c, next) => {
    const secret = c.env.API_TOKEN;
    const session = secret ? await verifySession({ secret, cookie: getCookie(c, sessionCookieName(c.req.url)), now: Date.now() }) : null;
    if (session === null) {
      const url = new URL(c.req.url);
      return c.redirect(`/console/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    c.set("session", session);
    c.set("csrf", await csrfToken(secret, session));
    return next();
  };
}

/** The cookie for a new session, Secure unless the page is served over plain http (localhost). */
export async function startSession(c: Context<{ Bindings: Env; Variables: PageVars }>): Promise<void> {
  const { cookie, session } = await signSession({ secret: c.env.API_TOKEN, now: Date.now() });
  const secure = new URL(c.req.url).protocol === "https:";
  setCookie(c, sessionCookieName(c.req.url), cookie, {
    httpOnly: true,
    sameSite: "Strict",
    secure,
    path: "/",
    expires: new Date(session.expiresAt),
  });
}

export function endSession(c: Context<{ Bindings: Env; Variables: PageVars }>): void {
  deleteCookie(c, sessionCookieName(c.req.url), { path: "/", secure: new URL(c.req.url).protocol === "https:" });
}

/** Whether a sign-in attempt carries the API token. */
export function tokenMatches(c: Context<{ Bindings: Env; Variables: PageVars }>, given: unknown): boolean {
  const expected = c.env.API_TOKEN;
  return typeof expected === "string" && expected !== "" && typeof given === "string" && given.length <= 1000 && isApiToken(expected, given.trim());
}

/** A form post from a page: the session's CSRF token in `_csrf`, and from this origin. */
export async function formCsrfOk(c: Context<{ Bindings: Env; Variables: PageVars }>, given: unknown): Promise<boolean> {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) return false;
  return typeof given === "string" && (await checkCsrf(c.env.API_TOKEN, c.get("session"), given));
}
