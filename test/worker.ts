// The test Worker: the app's own workflows plus the test workflows, and the Probe side table.
import { createStepwise } from "../src/stepwise.ts";
import { workflows } from "../src/workflows/index.ts";
import { testWorkflows } from "./fixtures/workflows.ts";

export { Probe } from "./fixtures/probe.ts";

export const stepwise = createStepwise({ workflows: [...workflows, ...testWorkflows] });

export class WorkflowRun extends stepwise.WorkflowRun {}

export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
