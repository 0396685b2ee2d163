// Step payloads are JSON in the journal; this is where they are encoded, size-checked and decoded.
// The 1 MiB limit keeps rows well under SQLite's per-value limit and nudges users to pass ids, not data.
import { StepwiseError } from "./errors.ts";
import { ok, type RpcResult } from "./result.ts";

export const MAX_PAYLOAD_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

/** Encodes a value for the journal; `undefined` is stored as SQL NULL. Throws `step.payload_too_large`. */
export function encodePayload(value: unknown, what: string): string | null {
  if (value === undefined) return null;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new StepwiseError("step.payload_not_serializable", `${what} is not JSON-serializable: ${String(err)}`);
  }
  // JSON.stringify of a function or symbol gives undefined: treat like undefined.
  if (json === undefined) return null;
  // Most strings are ASCII: length is a lower bound on bytes, so only measure when it could matter.
  if (json.length * 3 > MAX_PAYLOAD_BYTES && encoder.encode(json).byteLength > MAX_PAYLOAD_BYTES) {
    throw new StepwiseError(
      "step.payload_too_large",
      `${what} is ${encoder.encode(json).byteLength} bytes serialized, over the ${MAX_PAYLOAD_BYTES}-byte limit; pass ids, not data`,
    );
  }
  return json;
}

/**
 * encodePayload for an RPC method: a payload over the limit or not serializable is a failure to answer
 * with (its code intact), not a throw that RPC would reduce to a message.
 * @example
 * const args = tryEncode(req.args, "the action's args");
 * if (!args.ok) return args;
 */
export function tryEncode(value: unknown, what: string): RpcResult<string | null> {
  try {
    return ok(encodePayload(value, what));
  } catch (err) {
    if (err instanceof StepwiseError) return { ok: false, error: err.toJSON() };
    throw err;
  }
}

export function decodePayload(json: string | null): unknown {
  return json === null ? undefined : JSON.parse(json);
}

/** How deep JSON from outside may nest: deeper values overflow recursive code (serializers, validators). */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays and objects more than `max` levels deep. Iterative: safe on any input. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
