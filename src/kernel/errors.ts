// Errors with a stable dotted `code` and a `retryable` flag, serialized as `{ code, message }`.
// Code branches on `code`, never on message text; the shape survives the journal and RPC.
import { z } from "zod";
import { errorCodeInfo } from "./error-codes.ts";

export const SerializedError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean().optional(),
  details: z.unknown().optional(),
});
export type SerializedError = z.infer<typeof SerializedError>;

/**
 * The base error of Stepwise: a stable `code`, a message, and whether a retry may help.
 * @example throw new StepwiseError("billing.declined", "card declined", { retryable: false })
 */
export class StepwiseError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: string, message: string, opts: { retryable?: boolean; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "StepwiseError";
    this.code = code;
    // A catalogued code says whether a retry may help; user codes default to not retryable.
    this.retryable = opts.retryable ?? errorCodeInfo(code)?.retryable ?? false;
    this.details = opts.details;
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.details !== undefined) out.details = this.details;
    return out;
  }

  static fromJSON(e: SerializedError): StepwiseError {
    return new StepwiseError(e.code, e.message, { retryable: e.retryable ?? false, details: e.details });
  }
}

/**
 * Thrown from an action or step to stop retrying at once.
 * @example throw new NonRetryableError("order not found", { code: "order.not_found" })
 */
export class NonRetryableError extends StepwiseError {
  constructor(message: string, opts: { code?: string; details?: unknown; cause?: unknown } = {}) {
    super(opts.code ?? "action.non_retryable", message, { ...opts, retryable: false });
    this.name = "NonRetryableError";
  }
}

/** Raised inside a handler whose run was canceled; the engine ignores the handler's outcome after it. */
export class RunCanceledError extends StepwiseError {
  constructor() {
    super("run.canceled", "the run was canceled");
    this.name = "RunCanceledError";
  }
}

/**
 * Turns anything thrown by user code into the serialized form the journal keeps.
 * Plain errors are retryable (`action.failed`): a transient failure is the common case.
 */
export function toSerializedError(err: unknown, fallbackCode = "action.failed"): SerializedError {
  if (err instanceof StepwiseError) return err.toJSON();
  if (err instanceof Error) {
    if (err.name === "AbortError") return { code: "step.aborted", message: err.message, retryable: true };
    return { code: fallbackCode, message: err.message || err.name, retryable: true };
  }
  return { code: fallbackCode, message: String(err), retryable: true };
}
