// The test Worker: the app's own workflows plus the test workflows, and the Probe side table.
import { createStepwise } from "../src/stepwise.ts";
import { actionRunSettled } from "../src/components/index.ts";
import { AgentThread as BaseAgentThread } from "../src/agents/index.ts";
import type { RpcResult } from "../src/kernel/index.ts";
import { modules } from "../src/workflows/index.ts";
import { testWorkflows } from "./fixtures/workflows.ts";
import { agentTestWorkflows } from "./fixtures/agents/workflows.ts";
import { streamActions, streamingTestWorkflows } from "./fixtures/streaming/workflows.ts";
import { componentActions, componentRoutes, componentWorkflows } from "./fixtures/components/index.ts";
import { chaosWorkflows } from "./fixtures/chaos/workflows.ts";
import { typedSignalWorkflows } from "./fixtures/typed-signals.ts";
import { appDataRoute, appDataWorkflows } from "./fixtures/app-data.ts";
import { repairHttpWorkflows } from "./fixtures/repair-http.ts";
import * as functions from "./fixtures/functions.ts";
import * as testFixtures from "./fixtures/workflows.ts";
import * as agentFixtures from "./fixtures/agents/workflows.ts";
import * as approvalFixtures from "./fixtures/agents/approvals.ts";
import * as chaosFixtures from "./fixtures/chaos/workflows.ts";
import * as typedSignalFixtures from "./fixtures/typed-signals.ts";
import * as appDataFixtures from "./fixtures/app-data.ts";
import * as repairFixtures from "./fixtures/repairs.ts";
import * as kitFixtures from "./fixtures/testing-kit.ts";
import * as historyFixtures from "./fixtures/history.ts";
import * as flowFixtures from "./fixtures/flow.ts";
import * as queueFixtures from "./fixtures/queue-triggers.ts";
import * as scheduleFixtures from "./fixtures/schedules.ts";
import * as usageFixtures from "./fixtures/usage.ts";
import { manualClock } from "./helpers/clock.ts";
import { runSettled } from "./helpers/settled.ts";
import { objectClock, type Clock } from "../src/kernel/index.ts";

export { Probe } from "./fixtures/probe.ts";

// The test fixtures' modules are registered whole (every exported definition, as an app's would be),
// under the names they give; the lists add the few that are not exported one by one.
export const stepwise = createStepwise({
  modules: {
    ...modules,
    functions,
    testFixtures,
    agentFixtures,
    approvalFixtures,
    chaosFixtures,
    typedSignalFixtures,
    appDataFixtures,
    repairFixtures,
    kitFixtures,
    historyFixtures,
    flowFixtures,
    queueFixtures,
    scheduleFixtures,
    usageFixtures,
  },
  definitions: [
    ...Object.values(streamActions).flatMap((byKind) => Object.values(byKind)),
    ...testWorkflows,
    ...componentWorkflows,
    ...componentActions,
    ...agentTestWorkflows,
    ...streamingTestWorkflows,
    ...chaosWorkflows,
    ...typedSignalWorkflows,
    ...appDataWorkflows,
    ...repairHttpWorkflows,
  ],
});

/** The run object with a test-only `settled()` (see runSettled); production objects have no such method. */
export class WorkflowRun extends stepwise.WorkflowRun {
  settled(executing = 0): Promise<RpcResult<string>> {
    return runSettled(this, executing);
  }

  /** A clock a test may stop and move (test/helpers/clock.ts); it runs on real time until then. */
  protected override [objectClock](): Clock {
    return manualClock(this);
  }
}
import { RunIndex } from "../src/engine/index.ts";
export { RunIndex };
/** A run index in a namespace of its own, so its shard 0 knows of no other shard (test/engine/run-index-reads.test.ts). */
export class SoloRunIndex extends RunIndex {}
export { ThreadIndex } from "../src/agents/index.ts";
/** A thread whose clock a test may stop and move (test/helpers/clock.ts); it runs on real time until then. */
export class AgentThread extends BaseAgentThread {
  protected override [objectClock](): Clock {
    return manualClock(this);
  }

  /** The chat answers with a tool that needs approval (grantRefund), on the deployment's model. */
  protected override chatAgent() {
    return approvalFixtures.chatAgentWithApprovals;
  }
}
/** A pool whose clock a test may stop and move (test/helpers/clock.ts); it runs on real time until then. */
export class WorkpoolQueue extends stepwise.WorkpoolQueue {
  protected override [objectClock](): Clock {
    return manualClock(this);
  }
}
/** A schedule whose clock a test may stop and move (test/helpers/clock.ts); it runs on real time until then. */
export class ScheduleObject extends stepwise.ScheduleObject {
  protected override [objectClock](): Clock {
    return manualClock(this);
  }
}
/** The action run object with a test-only `settled()`: resolves once nothing runs in its instance. */
export class ActionRun extends stepwise.ActionRun {
  settled() {
    return this[actionRunSettled]();
  }
}

/** Test-only routes to read the probe from Node-side tests; everything else is the app. */
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/test/probe/hit" && request.method === "POST") {
      return Response.json({ n: await env.PROBE.getByName("probe").hit(url.searchParams.get("key") ?? "") });
    }
    if (url.pathname === "/test/probe/counts") {
      return Response.json(await env.PROBE.getByName("probe").counts(url.searchParams.get("prefix") ?? ""));
    }
    if (url.pathname.startsWith("/test/components/")) return componentRoutes(request, env);
    if (url.pathname.startsWith("/test/app-data/")) return appDataRoute(url);
    return stepwise.app.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    if (batch.queue === queueFixtures.DEAD_LETTER_QUEUE) return queueFixtures.recordDeadLetters(batch, env);
    return stepwise.queue(batch, env, ctx);
  },
  scheduled: stepwise.scheduled,
} satisfies ExportedHandler<Cloudflare.Env>;
