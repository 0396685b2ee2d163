// The lines of workflows with flow control (engine/flow.ts), kept by Workpool objects: one pool per
// workflow, rule and key, whose slots are the rule's limit. The same queue, grants and alarms as a
// pool's jobs, so there is one queueing mechanism: a run is an entry that waits there as data and is
// admitted (its run object's `admit`) when its turn comes.
import { rpcResult } from "../kernel/index.ts";
import type { FlowGates } from "../engine/index.ts";
import { workpoolNamespace } from "./bindings.ts";

export function createFlowGates(): FlowGates {
  const pool = (env: Env, name: string) => workpoolNamespace(env).getByName(name);
  return {
    enqueue: (env, gate, runId) =>
      rpcResult(pool(env, gate.pool).enqueueRun({ pool: { name: gate.pool, maxParallelism: gate.limit }, runId, holdMs: gate.holdMs })),
    take: (env, gate, runId) =>
      rpcResult(pool(env, gate.pool).takeStart({ pool: { name: gate.pool, maxParallelism: gate.limit }, runId, periodMs: gate.periodMs })),
    debounce: (env, gate, runId, args) =>
      rpcResult(
        pool(env, gate.pool).debounceRun({ pool: { name: gate.pool, maxParallelism: 1 }, runId, args, periodMs: gate.periodMs, maxWaitMs: gate.maxWaitMs }),
      ),
    position: (env, name, runId) => rpcResult(pool(env, name).runPlace(runId)),
    leave: (env, name, runId) => rpcResult(pool(env, name).leaveRun(runId)),
  };
}
