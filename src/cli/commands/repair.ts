// `stepwise cancel | pause | resume | restart <runId>`: the operator's repairs of one run. A refusal
// (the run ended, a restart of a live run) is the API's, printed with its code, and changes nothing.
import { send } from "../api.ts";
import { intArgument } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { arg, type Command, print, stringOption } from "./command.ts";

const RUN_ID = [{ name: "runId", required: true, description: "the run" }] as const;

export const cancel: Command = {
  name: "cancel",
  summary: "cancel a live run",
  positionals: RUN_ID,
  options: {},
  example: "stepwise cancel run_0123abcd",
  async run(ctx, input) {
    const runId = arg(input, 0);
    const { body } = await send(ctx.conn, ctx.api.runs[":runId"].cancel.$post({ param: { runId } }));
    print(ctx, body, () => [`Canceled ${runId}`]);
    return EXIT.ok;
  },
};

export const pause: Command = {
  name: "pause",
  summary: "pause a live run: it starts no new step and its timers wait",
  positionals: RUN_ID,
  options: {},
  example: "stepwise pause run_0123abcd",
  async run(ctx, input) {
    const runId = arg(input, 0);
    const { body } = await send(ctx.conn, ctx.api.runs[":runId"].pause.$post({ param: { runId } }));
    print(ctx, body, () => [body.changed ? `Paused ${runId}` : `${runId} was paused already`]);
    return EXIT.ok;
  },
};

export const resume: Command = {
  name: "resume",
  summary: "resume a paused run",
  positionals: RUN_ID,
  options: {},
  example: "stepwise resume run_0123abcd",
  async run(ctx, input) {
    const runId = arg(input, 0);
    const { body } = await send(ctx.conn, ctx.api.runs[":runId"].resume.$post({ param: { runId } }));
    print(ctx, body, () => [body.changed ? `Resumed ${runId} (${body.status})` : `${runId} was not paused (${body.status})`]);
    return EXIT.ok;
  },
};

export const restart: Command = {
  name: "restart",
  summary: "restart a failed, canceled or completed run as a new run",
  positionals: RUN_ID,
  options: {
    "from-step": { type: "string", value: "<seq|name>", description: "execute from this step (default: the first that did not complete)" },
    version: { type: "string", value: "<n>", description: "run the new attempt on this workflow version" },
  },
  example: "stepwise restart run_0123abcd --from-step charge",
  async run(ctx, input) {
    const runId = arg(input, 0);
    const fromText = stringOption(input, "from-step");
    const versionText = stringOption(input, "version");
    const json = {
      // A step's seq is a number; anything else names a step.
      ...(fromText === undefined ? {} : { fromStep: /^\d+$/.test(fromText) ? intArgument("--from-step", fromText, 0) : fromText }),
      ...(versionText === undefined ? {} : { version: intArgument("--version", versionText, 1) }),
    };
    const { body } = await send(ctx.conn, ctx.api.runs[":runId"].restart.$post({ param: { runId }, json }));
    print(ctx, body, () => [
      `Restarted ${runId} as ${body.runId} from step ${body.fromStep} (v${body.version}, ${body.status})`,
      ...(body.status === "pending" ? ["The new run takes the restart at the old run's next wake-up."] : []),
    ]);
    return EXIT.ok;
  },
};
