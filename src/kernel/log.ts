// Structured logs: one JSON object per line, so Cloudflare Workers Logs can filter on its fields (runId,
// workflow, seq, step...). Pure apart from the console call; `logLine` builds the line and is tested in Node.

export type LogLevel = "error" | "warn" | "info";

/** An error as a log line carries it: its kind and message, never its stack. `code` for a StepwiseError. */
export interface LoggedError {
  name: string;
  message?: string;
  code?: string;
}

/**
 * The fields a line may carry; only those that apply, undefined ones are left out. Engine lines name the
 * run (`runId`, `workflow`) and, with a step at hand, `seq`, `step` (its name) and `attempt`; components
 * name theirs (`pool`, `jobId`, `actionRunId`). Never a token, a secret or a payload.
 */
export interface LogFields {
  runId?: string | undefined;
  workflow?: string | undefined;
  seq?: number | undefined;
  step?: string | undefined;
  attempt?: number | undefined;
  durationMs?: number | undefined;
  error?: LoggedError | undefined;
  [field: string]: unknown;
}

/** Longer messages are cut: a log line is for filtering, not for carrying whole payloads. */
const MAX_MESSAGE = 500;

// Defense in depth for what a message may quote (an error from a fetch, a URL): bearer tokens and the
// token part of an approval link never reach a line, whatever a call site passes.
const SECRETS: [RegExp, string][] = [
  [/(bearer\s+)[^\s"',;]+/gi, "$1[redacted]"],
  // Not a route pattern's `:token`, which names the parameter and holds none.
  [/(\/approvals\/)(?!:)[^\s"'?#/]+/gi, "$1[redacted]"],
  [/([?&](?:ticket|token)=)[^\s"'&#]+/gi, "$1[redacted]"],
];

function scrub(text: string): string {
  let out = text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * An error as a log field. `withMessage: false` for errors thrown by user code (a handler, an
 * onComplete), whose message may hold user data: then only its name and code are logged.
 * @example
 * log.error("updating the run index failed", { runId, error: loggedError(err) });
 */
export function loggedError(err: unknown, opts: { withMessage?: boolean } = {}): LoggedError {
  const withMessage = opts.withMessage ?? true;
  if (err instanceof Error) {
    const out: LoggedError = { name: err.name };
    if (withMessage) out.message = scrub(err.message);
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string") out.code = code;
    return out;
  }
  // An error that travelled as data (an RPC answer's `{ code, message }`).
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") {
    const message = "message" in err && typeof err.message === "string" ? err.message : undefined;
    return withMessage && message !== undefined
      ? { name: "SerializedError", code: err.code, message: scrub(message) }
      : { name: "SerializedError", code: err.code };
  }
  return withMessage ? { name: typeof err, message: scrub(String(err)) } : { name: typeof err };
}

/** The JSON line for one entry: `level` and `msg` first, then the fields that are not undefined. */
export function logLine(level: LogLevel, msg: string, fields: LogFields = {}): string {
  const entry: Record<string, unknown> = { level, msg: scrub(msg) };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || key === "level" || key === "msg") continue;
    entry[key] = typeof value === "string" ? scrub(value) : value;
  }
  try {
    return JSON.stringify(entry);
  } catch {
    // A field that does not serialize (a BigInt, a cycle) must not cost the line itself.
    return JSON.stringify({ level, msg: scrub(msg), logError: "fields not serializable" });
  }
}

/**
 * The logger: one JSON object per line, through console.error / console.warn / console.log.
 * @example
 * log.error("onComplete threw; it is not retried", { runId, workflow, error: loggedError(err, { withMessage: false }) });
 */
export const log = {
  error: (msg: string, fields?: LogFields): void => console.error(logLine("error", msg, fields)),
  warn: (msg: string, fields?: LogFields): void => console.warn(logLine("warn", msg, fields)),
  info: (msg: string, fields?: LogFields): void => console.log(logLine("info", msg, fields)),
};
