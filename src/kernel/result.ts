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

/**
 * The reply of a Durable Object RPC method that returns an RpcResult, typed as one. Workers types the
 * reply as the result intersected with Disposable, and TypeScript cannot narrow that on `ok`; the reply
 * is still checked against RpcResult<T> here, so callers need no cast.
 * @example
 * const reply = await rpcResult<ActionRunView>(stub.describe());
 * if (!reply.ok) console.error(reply.error.code);
 */
export async function rpcResult<T>(reply: PromiseLike<RpcResult<T>>): Promise<RpcResult<T>> {
  return reply;
}

/** The value, or the error rethrown as a StepwiseError with its code intact. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  throw StepwiseError.fromJSON(result.error);
}
