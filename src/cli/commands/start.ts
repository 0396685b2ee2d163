// `stepwise start <workflow>`: starts a run and prints its id; with --wait, follows its events until it
// ends and prints its result or error (exit 0 completed, 5 failed, 6 canceled).
import { send } from "../api.ts";
import { intArgument, jsonArgument } from "../args.ts";
import { followEvents } from "../event-stream.ts";
import { EXIT, exitForRunStatus } from "../exit-codes.ts";
import { formatOutcome } from "../format-run.ts";
import { arg, type Command, print, stringOption } from "./command.ts";

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
    await followEvents({ conn: ctx.conn, api: ctx.api, runId: body.runId, after: 0, onEvent: () => {}, sleep: ctx.sleep });
    const { body: run } = await send(ctx.conn, ctx.api.runs[":runId"].$get({ param: { runId: body.runId }, query: { steps: "none" } }));
    print(ctx, run, () => formatOutcome(run));
    return exitForRunStatus(run.status) ?? EXIT.ok;
  },
};
