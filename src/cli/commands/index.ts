// Every command, in the order help lists them.
import type { Command } from "./command.ts";
import { events } from "./events.ts";
import { history } from "./history.ts";
import { cancel, pause, restart, resume } from "./repair.ts";
import { runs } from "./runs.ts";
import { schedule, schedules } from "./schedules.ts";
import { show } from "./show.ts";
import { signal } from "./signal.ts";
import { start } from "./start.ts";
import { workflows } from "./workflows.ts";

export type { Command, Context } from "./command.ts";

export const COMMANDS: readonly Command[] = [workflows, start, runs, show, history, events, signal, cancel, pause, resume, restart, schedules, schedule];
