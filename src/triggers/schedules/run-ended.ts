// The onComplete of every run a schedule starts: tells the schedule's object the run ended, so an
// instant buffered behind it (overlap "buffer_one") starts at once instead of at the next alarm.
import { z } from "zod";
import { defineMutation, RunCompletion } from "../../engine/index.ts";
import { unwrap } from "../../kernel/index.ts";
import { scheduleNamespace } from "./bindings.ts";
import { ScheduleName } from "./core/index.ts";

export const RUN_ENDED = "stepwise.scheduleRunEnded";

const Context = z.object({ schedule: ScheduleName });

/** Registered by createStepwise, as Stepwise's other steps are, so a run object finds it by name. */
export const scheduleRunEnded = defineMutation({
  name: RUN_ENDED,
  args: RunCompletion,
  handler: async (ctx, { workflowId, context }) => {
    const { schedule } = Context.parse(context);
    return unwrap(await scheduleNamespace(ctx.env).getByName(schedule).runEnded(workflowId));
  },
});
