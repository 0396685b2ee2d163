// The Worker (src/index.ts; this repository keeps `modules` in src/workflows/index.ts): every exported
// definition of these modules is registered.
import { createStepwise } from "stepwise";
import * as approval from "./approval.ts";
import * as checkout from "./checkout.ts";
import * as jobs from "./jobs.ts";
import * as weather from "./weather-agent.ts";

export const modules = { approval, checkout, jobs, weather };

const stepwise = createStepwise({ modules });
export class WorkflowRun extends stepwise.WorkflowRun {}
export class WorkpoolQueue extends stepwise.WorkpoolQueue {}
export class ActionRun extends stepwise.ActionRun {}
export { AgentThread, RunIndex, ThreadIndex } from "stepwise";
export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
