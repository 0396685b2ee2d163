// Errors as RFC 9457 problem+json, with the HTTP status the error catalogue (kernel/error-codes.ts)
// gives each code. Unknown errors become a 500 that says nothing about internals.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorCode, errorCodeInfo, jsonPointer, log, loggedError, StepwiseError } from "../kernel/index.ts";

export interface FieldError {
  path: string;
  message: string;
}

/**
 * A problem+json answer; a code the catalogue does not know, or knows only as an outcome, is a 500.
 * `extra`: extension members (RFC 9457 §3.2) a client can act on, such as a restarted run's `restartedAs`.
 */
export function problem(
  c: Context,
  code: ErrorCode | (string & {}),
  detail: string,
  errors?: FieldError[],
  extra: Record<string, string | number> = {},
): Response {
  // SAFETY: the catalogue only holds HTTP statuses that carry a body (400-599).
  const status = (errorCodeInfo(code)?.status ?? 500) as ContentfulStatusCode;
  const body: Record<string, unknown> = { ...extra, type: `urn:stepwise:problem:${code}`, title: code, status, detail, code };
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  // A refusal that says when to come back (a rate limit) says it in the standard header too, in seconds.
  if (typeof extra.retryAfterMs === "number") headers["retry-after"] = String(Math.max(1, Math.ceil(extra.retryAfterMs / 1000)));
  return c.body(JSON.stringify(body), status, headers);
}

/** `app.onError`: StepwiseErrors keep their code; anything else is logged by kind and hidden. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof StepwiseError) {
    // An outcome code (or a user's own) reaching HTTP is a bug somewhere: say so in the log, by code only.
    if (errorCodeInfo(err.code)?.status == null)
      log.error("an error code with no HTTP status reached a response", { code: err.code, method: c.req.method, route: c.req.routePath });
    return problem(c, err.code, err.message, fieldErrors(err.details), extensions(err.details));
  }
  // Hono's own JSON validator reports a body that does not parse this way.
  if (err instanceof HTTPException && err.status === 400) return problem(c, "request.malformed_json", "the request body is not valid JSON");
  // The route's pattern, never the path: an approval link's path is its token.
  log.error("unhandled error", { method: c.req.method, route: c.req.routePath, error: loggedError(err, { withMessage: false }) });
  return problem(c, "internal", "internal error");
}

/** The details a client may follow, passed on by name: never the whole `details`, which may say more than it should. */
function extensions(details: unknown): Record<string, string | number> {
  if (typeof details !== "object" || details === null) return {};
  const out: Record<string, string | number> = {};
  if ("restartedAs" in details && typeof details.restartedAs === "string") out.restartedAs = details.restartedAs;
  if ("retryAfterMs" in details && typeof details.retryAfterMs === "number") out.retryAfterMs = details.retryAfterMs;
  return out;
}

function fieldErrors(details: unknown): FieldError[] | undefined {
  if (typeof details !== "object" || details === null || !("issues" in details) || !Array.isArray(details.issues)) return undefined;
  return details.issues.map((i: { path?: unknown[]; message?: string }) => ({
    path: jsonPointer((i.path ?? []).map(String)),
    message: String(i.message ?? "invalid"),
  }));
}
