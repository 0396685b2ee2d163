// Request parsing at the HTTP boundary: JSON bodies and params through zod, failures as StepwiseErrors
// whose details carry the failing paths (rendered as JSON Pointers in problem+json).
import type { Context } from "hono";
import type { z } from "zod";
import { StepwiseError } from "../engine/index.ts";

export async function parseJsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new StepwiseError("request.malformed_json", "the request body is not valid JSON");
    }
  }
  return parseWith(schema, raw, "the request body is invalid");
}

export function parseWith<T>(schema: z.ZodType<T>, raw: unknown, message: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new StepwiseError("request.invalid", message, {
    details: { issues: parsed.error.issues.map(({ path, message }) => ({ path: path.map(String), message })) },
  });
}
