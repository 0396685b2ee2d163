// Browser sessions for the console and the chat page: a signed cookie value (expiry and a random id)
// and the CSRF token bound to it. Keys derive from the API token, so rotating it ends every session.
const encoder = new TextEncoder();

/** How long a session lasts after sign-in. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export interface Session {
  /** Random per sign-in; the CSRF token is derived from it. */
  id: string;
  expiresAt: number;
}

/**
 * A new session's cookie value and its CSRF token.
 * @example
 * const { cookie, session } = await signSession({ secret: env.API_TOKEN, now: Date.now() });
 */
export async function signSession(opts: { secret: string; now: number; ttlMs?: number; id?: string }): Promise<{ cookie: string; session: Session }> {
  const session = { id: opts.id ?? base64url(crypto.getRandomValues(new Uint8Array(18))), expiresAt: opts.now + (opts.ttlMs ?? SESSION_TTL_MS) };
  const body = `v1.${session.expiresAt}.${session.id}`;
  return { cookie: `${body}.${base64url(await mac(opts.secret, `session:${body}`))}`, session };
}

/**
 * The session a cookie value proves, or null when it is missing, forged, malformed or expired.
 * @example
 * const session = await verifySession({ secret: env.API_TOKEN, cookie: getCookie(c, SESSION_COOKIE), now: Date.now() });
 */
export async function verifySession(opts: { secret: string; cookie: string | undefined; now: number }): Promise<Session | null> {
  const parts = opts.cookie?.split(".");
  if (parts === undefined || parts.length !== 4 || parts[0] !== "v1" || opts.cookie!.length > 200) return null;
  const [v, exp, id, sig] = parts as [string, string, string, string];
  const expected = base64url(await mac(opts.secret, `session:${v}.${exp}.${id}`));
  if (!sameText(sig, expected)) return null;
  const expiresAt = Number(exp);
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= opts.now) return null;
  return { id, expiresAt };
}

/** The CSRF token of a session: pages carry it, and every state-changing request sends it back. */
export async function csrfToken(secret: string, session: Session): Promise<string> {
  return base64url(await mac(secret, `csrf:${session.id}`));
}

/** Whether `given` is the CSRF token of `session` (constant time). */
export async function checkCsrf(secret: string, session: Session, given: string | undefined | null): Promise<boolean> {
  if (given === undefined || given === null || given.length > 100) return false;
  return sameText(given, await csrfToken(secret, session));
}

async function mac(secret: string, data: string): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(`stepwise-session-v1:${secret}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, encoder.encode(data));
}

/** Constant time for equal lengths; a MAC's length is public. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** The cookie's name: `__Host-` (Secure, this host only, path /) over https; plain on http://localhost. */
export function sessionCookieName(url: string): string {
  return new URL(url).protocol === "https:" ? "__Host-stepwise-session" : "stepwise-session";
}

/** The header that carries the CSRF token on fetches from the pages (forms send it as `_csrf`). */
export const CSRF_HEADER = "x-stepwise-csrf";

/**
 * Whether `given` is the deployment's API token, in a time that depends neither on their contents nor on
 * whether their lengths match: a token of another length compares the expected one with itself. No
 * digest: crypto.subtle's is asynchronous, and its turn cost about a quarter of a millisecond per request
 * under load (a CPU profile of 400 starts).
 */
export function isApiToken(expected: string, given: string): boolean {
  const sameLength = given.length === expected.length;
  return sameText(sameLength ? given : expected, expected) && sameLength;
}
