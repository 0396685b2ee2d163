// The seed port (examples/seed) as the tests run it: its modules registered as its own Worker does,
// with the test-only `settled()` on its objects.
import { createStepwise } from "../../src/stepwise.ts";
import { actionRunSettled } from "../../src/components/index.ts";
import type { RpcResult } from "../../src/kernel/index.ts";
import { modules } from "../../examples/seed/modules.ts";
import { runSettled } from "../helpers/settled.ts";

export const stepwise = createStepwise({ modules });

export class WorkflowRun extends stepwise.WorkflowRun {
  settled(executing = 0): Promise<RpcResult<string>> {
    return runSettled(this, executing);
  }
}
export class ActionRun extends stepwise.ActionRun {
  settled() {
    return this[actionRunSettled]();
  }
}
export class WorkpoolQueue extends stepwise.WorkpoolQueue {}
export { RunIndex } from "../../src/engine/index.ts";
export { AgentThread, ThreadIndex } from "../../src/agents/index.ts";

export default { fetch: stepwise.app.fetch } satisfies ExportedHandler<Env>;
