// JSON read back from SQL is parsed like any other input: a row holds whatever some earlier version
// wrote, so a column is validated against its schema, and a bad one is named in the error.
import type { z } from "zod";
import { issueSummary } from "./zod-issues.ts";

/**
 * Parses the JSON text of a column and validates it. Throws an Error naming `column` when the value
 * is NULL, is not JSON, or does not match `schema`.
 * @example
 * const policy = jsonColumn(RetryPolicy, row.policy, "run.policy");
 */
export function jsonColumn<S extends z.ZodType>(schema: S, text: string | null | undefined, column: string): z.output<S> {
  if (text === null || text === undefined) throw new Error(`malformed JSON column ${column}: it is NULL`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`malformed JSON column ${column}: ${String(err)}`, { cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`malformed JSON column ${column}: ${issueSummary(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}
