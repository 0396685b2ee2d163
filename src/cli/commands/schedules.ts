// `stepwise schedules` (the list) and `stepwise schedule <create|show|pause|resume|trigger|delete> <name>`.
// A refusal (a bad cron, a name taken, a schedule defined in code) is the API's, printed with its code.
import { send } from "../api.ts";
import { intArgument, jsonArgument } from "../args.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { formatSchedule, formatSchedules, nextFire as nextLine } from "../format-schedules.ts";
import { arg, type Command, type Context, type Input, print, stringOption } from "./command.ts";

export const schedules: Command = {
  name: "schedules",
  summary: "list the schedules, with when each fires next",
  positionals: [],
  options: {},
  example: "stepwise schedules",
  async run(ctx) {
    const { body } = await send(ctx.conn, ctx.api.schedules.$get());
    print(ctx, body, () => formatSchedules(body, ctx.now()));
    return EXIT.ok;
  },
};

const ACTIONS = ["create", "show", "pause", "resume", "trigger", "delete"] as const;
type Action = (typeof ACTIONS)[number];
const OVERLAPS = ["skip", "buffer_one", "allow", "cancel_previous"] as const;
const CATCH_UPS = ["all", "latest", "none"] as const;

export const schedule: Command = {
  name: "schedule",
  summary: `create, show, pause, resume, trigger now or delete one schedule`,
  positionals: [
    { name: "action", required: true, description: ACTIONS.join(" | ") },
    { name: "name", required: true, description: "the schedule's name" },
  ],
  options: {
    workflow: { type: "string", value: "<name>", description: "create: the workflow its runs run" },
    cron: { type: "string", value: "<expr>", description: "create: 5 fields (minute hour day month weekday), or 6 with seconds first" },
    timezone: { type: "string", value: "<zone>", description: "create: the IANA time zone of the cron (default UTC)" },
    args: { type: "string", value: "<json>", description: "create: the args of every run, as JSON (default {})" },
    overlap: { type: "string", value: "<policy>", description: `create: when the previous run is live: ${OVERLAPS.join(", ")} (default skip)` },
    "catch-up": { type: "string", value: "<policy>", description: `create: after downtime: ${CATCH_UPS.join(", ")} (default latest)` },
    "catch-up-limit": { type: "string", value: "<n>", description: "create: with --catch-up all, at most this many missed instants fire (default 10)" },
  },
  example: `stepwise schedule create digest --workflow weather-advice --cron "0 9 * * 1-5" --timezone Europe/Paris --args '{"city":"Paris"}'`,
  async run(ctx, input) {
    const action = actionOf(arg(input, 0));
    const name = arg(input, 1);
    if (action !== "create") refuseCreateFlags(input, action);
    const param = { param: { name } };
    switch (action) {
      case "create": {
        // SAFETY: hc types the body as the schema's output, defaults filled; the API fills what is left out itself.
        const json = createBody(input, name) as Parameters<typeof ctx.api.schedules.$post>[0]["json"];
        const { body } = await send(ctx.conn, ctx.api.schedules.$post({ json }));
        print(ctx, body, () => [`Created schedule ${body.name} (${body.workflow}, ${body.cron} ${body.timezone}); next fire ${nextLine(body, ctx.now())}`]);
        return EXIT.ok;
      }
      case "show":
        return shown(ctx, (await send(ctx.conn, ctx.api.schedules[":name"].$get(param))).body);
      case "pause": {
        const { body } = await send(ctx.conn, ctx.api.schedules[":name"].pause.$post(param));
        print(ctx, body, () => [`Paused schedule ${name}`]);
        return EXIT.ok;
      }
      case "resume": {
        const { body } = await send(ctx.conn, ctx.api.schedules[":name"].resume.$post(param));
        print(ctx, body, () => [`Resumed schedule ${name}; next fire ${nextLine(body, ctx.now())}`]);
        return EXIT.ok;
      }
      case "trigger": {
        const { body } = await send(ctx.conn, ctx.api.schedules[":name"].trigger.$post(param));
        print(ctx, body, () => [
          body.runId === null ? `Schedule ${name}: ${body.outcome} (overlap policy), no run started` : `Schedule ${name}: ${body.outcome} ${body.runId}`,
        ]);
        return EXIT.ok;
      }
      case "delete": {
        const { body } = await send(ctx.conn, ctx.api.schedules[":name"].$delete(param));
        print(ctx, body, () => [`Deleted schedule ${name}`]);
        return EXIT.ok;
      }
    }
  },
};

function shown(ctx: Context, body: Parameters<typeof formatSchedule>[0]) {
  print(ctx, body, () => formatSchedule(body, ctx.now()));
  return EXIT.ok;
}

function actionOf(text: string): Action {
  const action = ACTIONS.find((a) => a === text);
  if (action === undefined) throw new UsageError(`<action> must be one of ${ACTIONS.join(", ")}, not "${text.slice(0, 40)}"`, "schedule");
  return action;
}

/** The create body from the flags; the API checks the cron, time zone and args (a 400 at the field). */
function createBody(input: Input, name: string) {
  const workflow = stringOption(input, "workflow");
  const cron = stringOption(input, "cron");
  if (workflow === undefined) throw new UsageError("create needs --workflow <name>", "schedule");
  if (cron === undefined) throw new UsageError("create needs --cron <expr>", "schedule");
  const timezone = stringOption(input, "timezone");
  const argsText = stringOption(input, "args");
  const overlap = oneOf("--overlap", stringOption(input, "overlap"), OVERLAPS);
  const catchUp = oneOf("--catch-up", stringOption(input, "catch-up"), CATCH_UPS);
  const limitText = stringOption(input, "catch-up-limit");
  return {
    name,
    workflow,
    cron,
    ...(timezone === undefined ? {} : { timezone }),
    ...(argsText === undefined ? {} : { args: jsonArgument("--args", argsText) }),
    ...(overlap === undefined ? {} : { overlap }),
    ...(catchUp === undefined ? {} : { catchUp }),
    ...(limitText === undefined ? {} : { catchUpLimit: intArgument("--catch-up-limit", limitText, 1) }),
  };
}

function oneOf<T extends string>(flag: string, text: string | undefined, values: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  const found = values.find((v) => v === text);
  if (found === undefined) throw new UsageError(`${flag} must be one of ${values.join(", ")}, not "${text.slice(0, 40)}"`, "schedule");
  return found;
}

function refuseCreateFlags(input: Input, action: Action): void {
  const given = ["workflow", "cron", "timezone", "args", "overlap", "catch-up", "catch-up-limit"].find((f) => input.options[f] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} is for create, not ${action}`, "schedule");
}
