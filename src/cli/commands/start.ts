// `stepwise start <workflow>`: starts a run and prints its id; with --wait, waits until it ends (a status
// read the server holds until then, a minute at a time) and prints its result or error (exit 0 completed,
// 5 failed, 6 canceled). Not a held start (`?wait=` on the start itself): the id is printed at once, so
// the run can be signaled or canceled from elsewhere while this waits.
import { type RunView, send } from "../api.ts";
import { intArgument, jsonArgument } from "../args.ts";
import { CliError, EXIT, exitForRunStatus } from "../exit-codes.ts";
import { formatOutcome } from "../format-run.ts";
import { arg, type Command, type Context, print, stringOption } from "./command.ts";

/** Held reads in a row that may fail (the server or the run object restarting) before --wait gives up, and the pause after each. */
const MAX_FAILED_READS = 10;
const RETRY_MS = 500;

export const start: Command = {
  name: "start",
  summary: "start a run of a workflow and print its id",
  positionals: [{ name: "workflow", required: true, description: "the workflow's name, as `stepwise workflows` lists it" }],
  options: {
    args: { type: "string", value: "<json>", description: "the run's args, as JSON (default {})" },
    version: { type: "string", value: "<n>", description: "run on this version of the workflow, not the newest" },
    "idempotency-key": { type: "string", value: "<key>", description: "a repeated start with the same key returns the first run" },
    wait: { type: "boolean", description: "follow the run until it ends, then print its result or error (exit 0, 5 failed, 6 canceled)" },
  },
  example: `stepwise start await-approval --args '{"request":"ship v2"}'`,
  async run(ctx, input) {
    const name = arg(input, 0);
    const argsText = stringOption(input, "args");
    const versionText = stringOption(input, "version");
    const key = stringOption(input, "idempotency-key");
    const json = {
      ...(argsText === undefined ? {} : { args: jsonArgument("--args", argsText) }),
      ...(versionText === undefined ? {} : { version: intArgument("--version", versionText, 1) }),
    };
    const { status, body } = await send(
      ctx.conn,
      ctx.api.workflows[":name"].runs.$post({ param: { name }, json }, { headers: key === undefined ? {} : { "idempotency-key": key } }),
    );
    const started = status === 201 ? `Started ${body.runId} (${name})` : `Found ${body.runId} (${name}), started before with this idempotency key`;
    if (input.options.wait !== true) {
      print(ctx, body, () => [started]);
      return EXIT.ok;
    }

    if (!ctx.json) {
      ctx.out(started);
      ctx.err("Waiting for it to end (Ctrl-C stops waiting, not the run)...");
    }
    const run = await untilEnded(ctx, body.runId);
    print(ctx, run, () => formatOutcome(run));
    return exitForRunStatus(run.status) ?? EXIT.ok;
  },
};

/** The run once it has ended: each read is held by the server until then or for a minute (?wait=60), and asked again. */
async function untilEnded(ctx: Context, runId: string): Promise<RunView> {
  let failed = 0;
  for (;;) {
    try {
      const { body } = await send(ctx.conn, ctx.api.runs[":runId"].$get({ param: { runId }, query: { steps: "none", wait: 60 } }));
      if (body.completedAt !== null) return body;
      failed = 0;
    } catch (err) {
      // A read cut short (no answer, or a 5xx) is asked again after a pause; a refusal (4xx) ends the wait.
      if (!(err instanceof CliError) || err.exit !== EXIT.unreachable || ++failed >= MAX_FAILED_READS) throw err;
      await ctx.sleep(RETRY_MS);
    }
  }
}
