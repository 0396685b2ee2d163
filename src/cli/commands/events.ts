// `stepwise events <runId>`: the run's events live, one line each (or one JSON object per line), until
// it ends; the exit code says how (0 completed, 5 failed, 6 canceled).
import { intArgument } from "../args.ts";
import { followEvents } from "../event-stream.ts";
import { EXIT, exitForRunStatus } from "../exit-codes.ts";
import { formatEvent } from "../format-event.ts";
import { arg, type Command, stringOption } from "./command.ts";

export const events: Command = {
  name: "events",
  summary: "follow a run's events until it ends (exit 0 completed, 5 failed, 6 canceled)",
  positionals: [{ name: "runId", required: true, description: "the run" }],
  options: {
    after: { type: "string", value: "<seq>", description: "only the events after this seq (default: from the first)" },
  },
  example: "stepwise events run_0123abcd",
  async run(ctx, input) {
    const afterText = stringOption(input, "after");
    const after = afterText === undefined ? 0 : intArgument("--after", afterText, 0);
    const status = await followEvents({
      conn: ctx.conn,
      api: ctx.api,
      runId: arg(input, 0),
      after,
      onEvent: (e) => ctx.out(ctx.json ? JSON.stringify(e) : formatEvent(e)),
      sleep: ctx.sleep,
    });
    return exitForRunStatus(status) ?? EXIT.ok;
  },
};
