// The Worker: the Stepwise app and its run Durable Object, over the workflows in src/workflows.
import { createStepwise } from "./stepwise.ts";
import { createComponents } from "./components/index.ts";
import { workflows } from "./workflows/index.ts";

const stepwise = createStepwise({ workflows });

export class WorkflowRun extends stepwise.WorkflowRun {}
export { RunIndex } from "./engine/index.ts";
export { AgentThread } from "./agents/index.ts";

// The reliability components' objects; list every action ActionRetrier or Workpool runs (and each onComplete).
const components = createComponents({ actions: [] });
export class WorkpoolQueue extends components.WorkpoolQueue {}
export class ActionRun extends components.ActionRun {}

export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
