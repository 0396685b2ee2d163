// The test Worker: the app's own workflows plus the test workflows, and the Probe side table.
import { createStepwise } from "../src/stepwise.ts";
import { actionRunSettled } from "../src/components/index.ts";
import { runActivity } from "../src/engine/index.ts";
import type { RpcResult } from "../src/kernel/index.ts";
import { workflows } from "../src/workflows/index.ts";
import { testWorkflows } from "./fixtures/workflows.ts";
import { agentTestWorkflows } from "./fixtures/agents/workflows.ts";
import { streamingTestWorkflows } from "./fixtures/streaming/workflows.ts";
import { componentRoutes, components, componentWorkflows } from "./fixtures/components/index.ts";
import { chaosWorkflows } from "./fixtures/chaos/workflows.ts";
import { appDataRoute, appDataWorkflows } from "./fixtures/app-data.ts";
import { manualClock } from "./helpers/clock.ts";
import { objectClock, type Clock } from "../src/kernel/index.ts";

export { Probe } from "./fixtures/probe.ts";

export const stepwise = createStepwise({
  workflows: [...workflows, ...testWorkflows, ...componentWorkflows, ...agentTestWorkflows, ...streamingTestWorkflows, ...chaosWorkflows, ...appDataWorkflows],
});

/** The run object with a test-only `settled()`; production objects have no such method. */
export class WorkflowRun extends stepwise.WorkflowRun {
  /**
   * Resolves once the run is quiet: at most `executing` steps run user code (0 by default), every other
   * open step waits on a timer, a signal or a child, and no end is being finished; or the run ended.
   * Quiet for three turns of the event loop in a row, so a step that yields between writes is seen.
   */
  async settled(executing = 0): Promise<RpcResult<string>> {
    let quietTurns = 0;
    for (let turn = 0; turn < 2_000 && quietTurns < 3; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const activity = this[runActivity]();
      if (activity === undefined) return { ok: false, error: { code: "run.not_found", message: "no such run" } };
      quietTurns = activity.executing > executing || activity.finishing ? 0 : quietTurns + 1;
    }
    const activity = this[runActivity]();
    if (quietTurns < 3 || activity === undefined) return { ok: false, error: { code: "test.not_settled", message: "the run kept executing" } };
    return { ok: true, value: activity.status };
  }
}
export { RunIndex } from "../src/engine/index.ts";
export { AgentThread } from "../src/agents/index.ts";
/** A pool whose clock a test may stop and move (test/helpers/clock.ts); it runs on real time until then. */
export class WorkpoolQueue extends components.WorkpoolQueue {
  protected override [objectClock](): Clock {
    return manualClock(this);
  }
}
/** The action run object with a test-only `settled()`: resolves once nothing runs in its instance. */
export class ActionRun extends components.ActionRun {
  settled() {
    return this[actionRunSettled]();
  }
}

/** Test-only routes to read the probe from Node-side tests; everything else is the app. */
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/test/probe/counts") {
      return Response.json(await env.PROBE.getByName("probe").counts(url.searchParams.get("prefix") ?? ""));
    }
    if (url.pathname.startsWith("/test/components/")) return componentRoutes(request, env);
    if (url.pathname.startsWith("/test/app-data/")) return appDataRoute(url);
    return stepwise.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Cloudflare.Env>;
