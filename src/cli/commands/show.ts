// `stepwise show <runId>`: a run's fields, then a text timeline of its steps (every window of
// GET /api/runs/:runId/timeline). With --json: GET /api/runs/:runId as the API answers it, journal included.
import { send, type TimelineStep } from "../api.ts";
import { EXIT } from "../exit-codes.ts";
import { formatRun, formatTimeline } from "../format-run.ts";
import { arg, type Command } from "./command.ts";

/** Steps per timeline window (the API's most). */
const WINDOW = 2000;

export const show: Command = {
  name: "show",
  summary: "a run: status, args, result or error, what it waits for, and a timeline of its steps",
  positionals: [{ name: "runId", required: true, description: "the run" }],
  options: {},
  example: "stepwise show run_0123abcd",
  async run(ctx, input) {
    const runId = arg(input, 0);
    if (ctx.json) {
      const { body } = await send(ctx.conn, ctx.api.runs[":runId"].$get({ param: { runId }, query: { steps: "all" } }));
      ctx.out(ctx.stringify(body));
      return EXIT.ok;
    }
    const { body: run } = await send(ctx.conn, ctx.api.runs[":runId"].$get({ param: { runId }, query: { steps: "none" } }));
    const steps: TimelineStep[] = [];
    let after = -1;
    let now = ctx.now();
    for (;;) {
      const { body: window } = await send(
        ctx.conn,
        ctx.api.runs[":runId"].timeline.$get({ param: { runId }, query: { after: String(after), limit: String(WINDOW) } }),
      );
      steps.push(...window.steps);
      now = window.now;
      if (window.nextCursor === null) break;
      after = window.nextCursor;
    }
    for (const line of formatRun(run, ctx.now())) ctx.out(line);
    ctx.out("");
    ctx.out(`steps (${steps.length})`);
    for (const line of formatTimeline(steps, now)) ctx.out(`  ${line}`);
    return EXIT.ok;
  },
};
