// The seed port's modules, listed once: the Worker registers them (names are `${module}.${export}`),
// and `_generated/api.ts` types `internal` from them.
import * as agents from "./agents.ts";
import * as completions from "./completions.ts";
import * as db from "./db.ts";
import * as notifications from "./notifications.ts";
import publish from "./publish.ts"; // a module that is one mutation: `internal.publish`
import * as snippets from "./snippets.ts";
import * as workflows from "./workflows.ts";

export const modules = { agents, completions, db, notifications, publish, snippets, workflows };
