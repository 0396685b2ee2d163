// The bench Worker: our engine (app under /api, WorkflowRun object) and the equivalent Cloudflare
// Workflow (BenchChainWorkflow, routes under /cf) side by side in one `wrangler dev`.
import { benchFetch, type BenchEnv } from "./routes.ts";
import { stepwise } from "./ours.ts";

export { BenchChainWorkflow } from "./cf.ts";
export { RunIndex } from "../src/engine/index.ts";
export { FloorObject, StartWorkObject } from "./floor.ts";

export class WorkflowRun extends stepwise.WorkflowRun {}
export class ScheduleObject extends stepwise.ScheduleObject {}

export default {
  fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    return benchFetch(request, env, ctx, stepwise.app);
  },
};
