// Errors as RFC 9457 problem+json: one table maps each stable code to its HTTP status.
// Unknown errors become a 500 that says nothing about internals.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { StepwiseError } from "../engine/core/errors.ts";

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  "request.invalid": 400,
  "request.malformed_json": 400,
  "request.invalid_cursor": 400,
  "run.invalid_args": 400,
  "signal.invalid_name": 400,
  "auth.missing_token": 401,
  "auth.invalid_token": 401,
  "ticket.missing": 401,
  "ticket.invalid": 401,
  "ticket.expired": 401,
  "ticket.wrong_thread": 403,
  "route.not_found": 404,
  "workflow.not_found": 404,
  "run.not_found": 404,
  "thread.not_found": 404,
  "thread.message_not_found": 404,
  "signal.run_finished": 409,
  "signal.not_waiting": 409,
  "run.already_finished": 409,
  "run.idempotency_conflict": 409,
  "request.too_large": 413,
  "request.upgrade_required": 426,
  "step.payload_too_large": 413,
};

export interface FieldError {
  path: string;
  message: string;
}

export function problem(c: Context, code: string, detail: string, errors?: FieldError[]): Response {
  const status = STATUS_BY_CODE[code] ?? 500;
  const body: Record<string, unknown> = { type: `urn:stepwise:problem:${code}`, title: code, status, detail, code };
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  return c.body(JSON.stringify(body), status, { "content-type": "application/problem+json" });
}

/** `app.onError`: StepwiseErrors keep their code; anything else is logged by kind and hidden. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof StepwiseError) return problem(c, err.code, err.message, fieldErrors(err.details));
  // Hono's own JSON validator reports a body that does not parse this way.
  if (err instanceof HTTPException && err.status === 400) return problem(c, "request.malformed_json", "the request body is not valid JSON");
  // The route's pattern, never the path: an approval link's path is its token.
  console.error(`unhandled ${err.name} on ${c.req.method} ${c.req.routePath}`);
  return problem(c, "internal", "internal error");
}

function fieldErrors(details: unknown): FieldError[] | undefined {
  if (typeof details !== "object" || details === null || !("issues" in details) || !Array.isArray(details.issues)) return undefined;
  return details.issues.map((i: { path?: unknown[]; message?: string }) => ({
    // A JSON Pointer (RFC 6901): "~" and "/" inside a key are escaped.
    path: (i.path ?? []).map((k) => "/" + String(k).replaceAll("~", "~0").replaceAll("/", "~1")).join(""),
    message: String(i.message ?? "invalid"),
  }));
}
