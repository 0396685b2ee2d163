// `stepwise workflows`: every workflow with its newest version and the live runs of each version.
import { send } from "../api.ts";
import { EXIT } from "../exit-codes.ts";
import { formatWorkflows } from "../format-runs.ts";
import { type Command, print } from "./command.ts";

export const workflows: Command = {
  name: "workflows",
  summary: "list the workflows: newest version, live runs per version",
  positionals: [],
  options: {},
  example: "stepwise workflows",
  async run(ctx) {
    const { body } = await send(ctx.conn, ctx.api.workflows.$get());
    print(ctx, body, () => formatWorkflows(body));
    return EXIT.ok;
  },
};
