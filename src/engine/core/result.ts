// What run-object RPC methods return: errors travel as data, because RPC keeps only an error's message.
import { StepwiseError, type SerializedError } from "./errors.ts";

export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export function ok<T>(value: T): RpcResult<T> {
  return { ok: true, value };
}

export function fail(code: string, message: string, details?: unknown): RpcResult<never> {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

/** The value, or the error rethrown as a StepwiseError with its code intact. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw StepwiseError.fromJSON(result.error);
}
