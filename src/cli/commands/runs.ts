// `stepwise runs`: a page of runs, newest first, filtered by workflow and status, with the command for
// the next page when there is one.
import type { InferRequestType } from "hono/client";
import { type Api, send } from "../api.ts";
import { intArgument } from "../args.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { formatRunList } from "../format-runs.ts";
import { type Command, type Input, print, stringOption } from "./command.ts";

/** A run's statuses, as GET /api/runs filters by them (a Record, so that a status the API adds fails to type-check here). */
type Status = NonNullable<InferRequestType<Api["runs"]["$get"]>["query"]["status"]>;
const STATUS: Record<Status, true> = {
  queued: true,
  running: true,
  sleeping: true,
  waiting: true,
  paused: true,
  completed: true,
  failed: true,
  canceled: true,
};
// SAFETY: the keys of a Record<Status, true>.
export const STATUSES = Object.keys(STATUS) as Status[];
const DEFAULT_LIMIT = 20;

export const runs: Command = {
  name: "runs",
  summary: "list runs, newest first",
  positionals: [],
  options: {
    workflow: { type: "string", value: "<name>", description: "only this workflow's runs" },
    status: { type: "string", value: "<status>", description: `only runs in this status: ${STATUSES.join(", ")}` },
    limit: { type: "string", value: "<n>", description: `runs per page, 1 to 100 (default ${DEFAULT_LIMIT})` },
    cursor: { type: "string", value: "<cursor>", description: "the page after the one that printed this cursor" },
  },
  example: "stepwise runs --workflow await-approval --status waiting",
  async run(ctx, input) {
    const limitText = stringOption(input, "limit");
    const query = {
      workflow: stringOption(input, "workflow"),
      status: statusOption(stringOption(input, "status")),
      limit: String(limitText === undefined ? DEFAULT_LIMIT : intArgument("--limit", limitText, 1)),
      cursor: stringOption(input, "cursor"),
    };
    const { body } = await send(ctx.conn, ctx.api.runs.$get({ query }));
    print(ctx, body, () => formatRunList(body, ctx.now(), (cursor) => nextPageCommand(input, cursor)));
    return EXIT.ok;
  },
};

function statusOption(text: string | undefined): Status | undefined {
  if (text === undefined) return undefined;
  const status = STATUSES.find((s) => s === text);
  if (status === undefined) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}, not "${text.slice(0, 40)}"`);
  return status;
}

/** The same command with --cursor set: what the next page is. */
function nextPageCommand(input: Input, cursor: string): string {
  const parts = ["stepwise runs"];
  for (const flag of ["workflow", "status", "limit"]) {
    const v = stringOption(input, flag);
    if (v !== undefined) parts.push(`--${flag} ${shellQuote(v)}`);
  }
  parts.push(`--cursor ${shellQuote(cursor)}`);
  return parts.join(" ");
}

/** A word a POSIX shell reads back as is. */
export function shellQuote(s: string): string {
  return /^[\w.:@%+=,/-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
