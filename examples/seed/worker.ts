// The seed port's Worker: its modules registered in one place, the Durable Objects bound to them.
import { createStepwise } from "../../src/stepwise.ts";
import { modules } from "./modules.ts";

const stepwise = createStepwise({ modules });

export class WorkflowRun extends stepwise.WorkflowRun {}
export class WorkpoolQueue extends stepwise.WorkpoolQueue {}
export class ActionRun extends stepwise.ActionRun {}
export { RunIndex } from "../../src/engine/index.ts";
export { AgentThread, ThreadIndex } from "../../src/agents/index.ts";

export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
