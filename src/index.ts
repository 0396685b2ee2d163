// The Worker: the Stepwise app and its Durable Objects, over the modules in src/workflows.
import { createStepwise } from "./stepwise.ts";
import { modules } from "./workflows/index.ts";

const stepwise = createStepwise({ modules });

export class WorkflowRun extends stepwise.WorkflowRun {}
export class WorkpoolQueue extends stepwise.WorkpoolQueue {}
export class ActionRun extends stepwise.ActionRun {}
export class ScheduleObject extends stepwise.ScheduleObject {}
export { RunIndex } from "./engine/index.ts";
export { AgentThread, ThreadIndex } from "./agents/index.ts";

export default {
  fetch: stepwise.app.fetch,
  // Messages of the queues in wrangler.toml's [[queues.consumers]] start runs (defineQueueTrigger).
  queue: stepwise.queue,
  // The cron trigger in wrangler.toml arms the code's schedules after a deploy (defineSchedule).
  scheduled: stepwise.scheduled,
} satisfies ExportedHandler<Env>;
