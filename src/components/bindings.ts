// The components' Durable Object bindings, found in `env` by name. The objects reach each other
// through these (a pool dispatches jobs to action runs; an action run asks its pool for slots).
import { StepwiseError } from "../engine/index.ts";
import type { ActionRunRpc } from "./action-run/rpc.ts";
import type { WorkpoolRpc } from "./workpool/rpc.ts";

/** Binds `WorkpoolQueue`: one object per pool name. */
export const WORKPOOLS_BINDING = "WORKPOOLS";
/** Binds `ActionRun`: one object per retried action or pool job. */
export const ACTION_RUNS_BINDING = "ACTION_RUNS";

// Typed by the objects' RPC surfaces (their classes implement them), not by the classes: the objects
// call each other, and their classes would otherwise import each other through these types.
export type WorkpoolNamespace = DurableObjectNamespace<WorkpoolRpc & Rpc.DurableObjectBranded>;
export type ActionRunNamespace = DurableObjectNamespace<ActionRunRpc & Rpc.DurableObjectBranded>;
export type WorkpoolStub = DurableObjectStub<WorkpoolRpc & Rpc.DurableObjectBranded>;

function lookup(env: object, name: string): unknown {
  // SAFETY: reads one property of the env object, and checks what it is before anyone uses it.
  const ns = (env as Record<string, unknown>)[name];
  if (typeof ns !== "object" || ns === null || typeof (ns as { getByName?: unknown }).getByName !== "function") {
    throw new StepwiseError(
      "components.binding_missing",
      `the Durable Object binding ${name} is missing: add it to wrangler.toml (see README, "Reliability components")`,
    );
  }
  return ns;
}

export function workpoolNamespace(env: object): WorkpoolNamespace {
  // SAFETY: lookup checked it is a namespace; the deployment binds it to the WorkpoolQueue class.
  return lookup(env, WORKPOOLS_BINDING) as WorkpoolNamespace;
}

export function actionRunNamespace(env: object): ActionRunNamespace {
  // SAFETY: as above, for the ActionRun class.
  return lookup(env, ACTION_RUNS_BINDING) as ActionRunNamespace;
}
