// Hono validators over zod: typed inputs for the routes (and for `hc` clients), failures as
// problem+json through StepwiseError, whose details carry the failing paths (JSON Pointers in the
// answer). A body is JSON, or it is refused: never read as something else.
import type { Context, Env, MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import { StepwiseError } from "../engine/index.ts";
import { exceedsDepth, issueDetails, MAX_JSON_DEPTH } from "../kernel/index.ts";

function parseWith<S extends z.ZodType>(schema: S, raw: unknown, message: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new StepwiseError("request.invalid", message, { details: issueDetails(parsed.error) });
}

/** `application/json` and `application/<anything>+json`, as Hono's own JSON validator reads them. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * The body as JSON: with a JSON content type (or none) it must parse; an empty body is `{}`; a body
 * sent as anything else (`text/json`, a form) is refused rather than dropped.
 */
export const jsonBody = <S extends z.ZodType>(schema: S) =>
  validator("json", async (value, c: Context): Promise<z.output<S>> => {
    const type = c.req.header("content-type");
    const media = type === undefined ? "" : (type.split(";")[0] ?? "").trim();
    // Hono has already parsed a JSON content type (a malformed body never gets here); read the rest ourselves.
    const raw = JSON_MEDIA_TYPE.test(media) ? value : await readOther(c, media);
    if (exceedsDepth(raw, MAX_JSON_DEPTH)) throw new StepwiseError("request.too_deep", `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    return parseWith(schema, raw, "the request body is invalid");
  });

export const query = <S extends z.ZodType>(schema: S) => validator("query", (value): z.output<S> => parseWith(schema, value, "invalid query"));

/**
 * `query` for a route that had none before: `hc` clients may leave `query` out (Hono's own typing
 * requires the key once a route validates one, which would break their calls); the handler still reads
 * the parsed query.
 */
export const optionalQuery = <S extends z.ZodType>(schema: S) =>
  // SAFETY: the same middleware; only what `hc` asks of a caller changes (the key may be missing, which
  // Hono parses as an empty query).
  query(schema) as unknown as MiddlewareHandler<Env, string, { in: { query?: z.input<S> }; out: { query: z.output<S> } }>;

export const params = <S extends z.ZodType>(schema: S) => validator("param", (value): z.output<S> => parseWith(schema, value, "invalid path"));

async function readOther(c: Context, media: string): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  if (media !== "") {
    throw new StepwiseError("request.unsupported_media_type", `a body of type "${media.slice(0, 100)}" is not read; send it as Content-Type: application/json`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new StepwiseError("request.malformed_json", "the request body is not valid JSON");
  }
}

const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** The Idempotency-Key header, checked; undefined when absent. */
export function headerKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new StepwiseError("request.invalid", "invalid Idempotency-Key header", {
    details: { issues: [{ path: ["headers", "idempotency-key"], message: parsed.error.issues[0]?.message ?? "invalid" }] },
  });
}

/** The failing paths of the value under `field` (the run's args, a signal's payload, a function's args), as paths in the request body. */
export function underBody(err: unknown, code: string, field: string): unknown {
  if (!(err instanceof StepwiseError) || err.code !== code) return err;
  const issues = z.object({ issues: z.array(z.object({ path: z.array(z.string()), message: z.string() })) }).safeParse(err.details);
  if (!issues.success) return err;
  return new StepwiseError(err.code, err.message, { details: { issues: issues.data.issues.map((i) => ({ path: [field, ...i.path], message: i.message })) } });
}

/** An error with `code` that names no field, pointed at `field` of the body (a start's unregistered /version). */
export function atField(err: unknown, code: string, field: string): unknown {
  if (!(err instanceof StepwiseError) || err.code !== code || err.details !== undefined) return err;
  return new StepwiseError(err.code, err.message, { details: { issues: [{ path: [field], message: err.message }] } });
}
