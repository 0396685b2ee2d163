// The seed's ActionRetrier and Workpool: built from `components.actionRetrier` / `components.workpool`
// at module level, they find their bindings (ACTION_RUNS, WORKPOOLS) in the Worker's env when used.
import { env as workerEnv } from "cloudflare:workers";
import {
  ActionRetrier as StepwiseRetrier,
  actionRunNamespace,
  Workpool as StepwiseWorkpool,
  workpoolNamespace,
  type RetrierOptions,
  type WorkpoolOptions,
} from "../components/index.ts";
import { expectComponent, type Component } from "./components.ts";

/**
 * @example
 * const retrier = new ActionRetrier(components.actionRetrier);
 * await retrier.run(ctx, internal.agents.generate, { threadId, prompt });
 */
export class ActionRetrier extends StepwiseRetrier {
  constructor(component: Component<"actionRetrier">, opts: Partial<RetrierOptions> = {}) {
    expectComponent(component, "actionRetrier", "new ActionRetrier");
    super(() => actionRunNamespace(workerEnv), opts);
  }
}

/**
 * A pool of slots; without `name`, every pool made this way is the one named "default".
 * @example
 * const pool = new Workpool(components.workpool, { maxParallelism: 5 });
 * await pool.enqueueAction(ctx, internal.agents.generate, { threadId, prompt });
 */
export class Workpool extends StepwiseWorkpool {
  constructor(component: Component<"workpool">, opts: Partial<WorkpoolOptions> = {}) {
    expectComponent(component, "workpool", "new Workpool");
    super(() => workpoolNamespace(workerEnv), { ...opts, name: opts.name ?? "default" });
  }
}
