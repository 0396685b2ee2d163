// Bearer-token auth for /api: the token is the API_TOKEN secret, compared in constant time.
// Both sides are hashed first so neither the comparison nor its length leaks anything.
import type { MiddlewareHandler } from "hono";
import { problem } from "./problem.ts";

const encoder = new TextEncoder();

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

export function bearerAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const expected = c.env.API_TOKEN;
    if (!expected) return problem(c, "auth.not_configured", "the server has no API_TOKEN configured");
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) return problem(c, "auth.missing_token", "send Authorization: Bearer <API_TOKEN>");
    const [a, b] = await Promise.all([digest(match[1]!), digest(expected)]);
    if (!crypto.subtle.timingSafeEqual(a, b)) return problem(c, "auth.invalid_token", "the bearer token is not valid");
    return next();
  };
}
