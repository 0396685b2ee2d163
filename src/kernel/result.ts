// What run-object RPC methods return: errors travel as data, because RPC keeps only an error's message.
import type { ErrorCode } from "./error-codes.ts";
import { StepwiseError, type SerializedError } from "./errors.ts";

export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export function ok<T>(value: T): RpcResult<T> {
  return { ok: true, value };
}

/** A failure with a catalogued code (see error-codes.ts). */
export function fail(code: ErrorCode, message: string, details?: unknown): RpcResult<never> {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

/** The value, or the error rethrown as a StepwiseError with its code intact. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw StepwiseError.fromJSON(result.error);
}

/**
 * An RpcResult as it comes back over Durable Object RPC. Its type there is RpcResult intersected with
 * Disposable, which defeats narrowing on `ok`; the value itself is exactly the RpcResult sent.
 */
export function rpcResult<T>(value: unknown): RpcResult<T> {
  // SAFETY: callers pass what an RPC method typed RpcResult<T> returned (see above).
  return value as RpcResult<T>;
}
