// The seed port's Worker: its modules registered in one place, the Durable Objects bound to them.
import { createStepwise } from "stepwise";
import { modules } from "./modules.ts";

const stepwise = createStepwise({ modules });

export class WorkflowRun extends stepwise.WorkflowRun {}
export class WorkpoolQueue extends stepwise.WorkpoolQueue {}
export class ActionRun extends stepwise.ActionRun {}
export { AgentThread, RunIndex, ThreadIndex } from "stepwise";

export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
