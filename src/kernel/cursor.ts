// Page cursors: a position in a list, opaque to clients (URL-safe base64 of JSON), read back through
// a schema so a cursor this API did not make is refused rather than trusted.
import type { z } from "zod";

/** A position in a list, as a client passes it back: URL-safe base64 of JSON. */
export function encodeCursor(value: unknown): string {
  return btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** The position `s` holds, or null when it is not a cursor of `schema`'s shape. */
export function decodeCursor<S extends z.ZodType>(schema: S, s: string): z.output<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(atob(s.replaceAll("-", "+").replaceAll("_", "/"))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
