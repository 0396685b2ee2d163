// `stepwise history <runId>`: the run's history as JSON (GET /api/runs/:runId/history), always, so that
// `stepwise history $RUN > histories/$RUN.json` saves it for a replay against new code (replayHistory).
import { send } from "../api.ts";
import { EXIT } from "../exit-codes.ts";
import { arg, type Command } from "./command.ts";

export const history: Command = {
  name: "history",
  summary: "print a run's history as JSON (journal, patches, signals), to save and replay against new code",
  positionals: [{ name: "runId", required: true, description: "the run" }],
  options: {},
  example: "stepwise history run_0123abcd > histories/run_0123abcd.json",
  async run(ctx, input) {
    const runId = arg(input, 0);
    const { body } = await send(ctx.conn, ctx.api.runs[":runId"].history.$get({ param: { runId } }));
    ctx.out(ctx.stringify(body));
    return EXIT.ok;
  },
};
