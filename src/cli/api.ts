// The API as the command line calls it: hc<AppType> (only the Worker's types, nothing of it at run time)
// with the bearer token, and one place that turns an answer into data or an error with its exit code.
import { hc, type InferResponseType } from "hono/client";
import type { AppType } from "../http/index.ts";
import type { Connection } from "./config.ts";
import { CliError, EXIT, exitForHttpStatus } from "./exit-codes.ts";
import { formatProblem, Problem } from "./problem.ts";

/**
 * The typed client of the deployment's `/api` routes.
 * @example
 * const conn = { url: "http://localhost:8787", token, tokenFrom: "--token" };
 * const { body } = await send(conn, createApi(conn).workflows.$get());
 */
export function createApi(conn: Connection, fetchImpl: typeof fetch = fetch) {
  return hc<AppType>(conn.url, { fetch: fetchImpl, headers: conn.token === undefined ? {} : { authorization: `Bearer ${conn.token}` } }).api;
}
export type Api = ReturnType<typeof createApi>;

/** The API said no, or failed: its problem document when it sent one (what --json prints), else just the status. */
export class ApiError extends CliError {
  readonly status: number;
  readonly problem: Problem | undefined;
  /** The answer's JSON as sent (undefined when it was not JSON). */
  readonly document: unknown;
  /** What to do about it, when there is something (a 401: how to give a token). */
  readonly hint: string | undefined;

  constructor(opts: { status: number; problem: Problem | undefined; document: unknown; lines: string[]; hint?: string | undefined }) {
    super(exitForHttpStatus(opts.status), [...opts.lines, ...(opts.hint === undefined ? [] : [opts.hint])].join("\n"));
    this.name = "ApiError";
    this.status = opts.status;
    this.problem = opts.problem;
    this.document = opts.document;
    this.hint = opts.hint;
  }
}

/** What a response looks like to send(): a ClientResponse of hc, or a plain Response. */
interface Answer {
  ok: boolean;
  status: number;
  statusText: string;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/** Awaits a request: its status and JSON body, or throws ApiError (a refusal) / CliError (no answer). */
export async function send<R extends Answer>(conn: Connection, request: Promise<R>): Promise<{ status: number; body: Awaited<ReturnType<R["json"]>> }> {
  const res = await reach(conn, request);
  await refuseUnlessOk(conn, res);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new CliError(EXIT.unreachable, `error: ${conn.url} answered ${res.status} with something that is not JSON; is it a Stepwise deployment?`);
  }
  // SAFETY: a 2xx answer of this route; its type is the route's declared output (hc infers it from AppType).
  return { status: res.status, body: body as Awaited<ReturnType<R["json"]>> };
}

/** Awaits a request whose body the caller reads itself (a stream): the response, or the same errors as send(). */
export async function open<R extends Answer>(conn: Connection, request: Promise<R>): Promise<R> {
  const res = await reach(conn, request);
  await refuseUnlessOk(conn, res);
  return res;
}

async function reach<R>(conn: Connection, request: Promise<R>): Promise<R> {
  try {
    return await request;
  } catch (err) {
    throw unreachable(conn, err);
  }
}

/** An error for a request that got no answer: the URL and the system's reason (never a header, so never the token). */
function unreachable(conn: Connection, err: unknown): CliError {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const reason =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : cause instanceof Error
        ? cause.message
        : String(cause);
  return new CliError(EXIT.unreachable, `error: could not reach ${conn.url} (${reason}); is the server running? (npm start, or --url / STEPWISE_URL)`);
}

async function refuseUnlessOk(conn: Connection, res: Answer): Promise<void> {
  if (res.ok) return;
  const text = await res.text().catch(() => "");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    document = undefined;
  }
  const parsed = Problem.safeParse(document);
  const problem = parsed.success ? parsed.data : undefined;
  const lines = problem === undefined ? [`error: ${conn.url} answered HTTP ${res.status} ${res.statusText}`.trimEnd()] : formatProblem(problem);
  throw new ApiError({ status: res.status, problem, document, lines, hint: res.status === 401 ? authHint(conn) : undefined });
}

function authHint(conn: Connection): string {
  const what = conn.tokenFrom === undefined ? "No token was given" : `The token from ${conn.tokenFrom} was refused`;
  return `${what}: pass one with --token <token>, set STEPWISE_TOKEN, or run where .dev.vars holds API_TOKEN (npm start writes it).`;
}

/** The API's answers the command line formats, as hc infers them from AppType. */
export type WorkflowList = InferResponseType<Api["workflows"]["$get"]>;
export type RunList = InferResponseType<Api["runs"]["$get"]>;
export type RunView = InferResponseType<Api["runs"][":runId"]["$get"]>;
export type Timeline = InferResponseType<Api["runs"][":runId"]["timeline"]["$get"]>;
export type TimelineStep = Timeline["steps"][number];
export type ScheduleList = InferResponseType<Api["schedules"]["$get"]>;
export type ScheduleView = InferResponseType<Api["schedules"][":name"]["$get"]>;
