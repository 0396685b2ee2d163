// The Worker: the Stepwise app and its run Durable Object, over the workflows in src/workflows.
import { createStepwise } from "./stepwise.ts";
import { workflows } from "./workflows/index.ts";

const stepwise = createStepwise({ workflows });

export class WorkflowRun extends stepwise.WorkflowRun {}
export { RunIndex } from "./engine/index.ts";

export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
