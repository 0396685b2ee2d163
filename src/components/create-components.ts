// Composes the components for a deployment: the registry of actions they may run by name, and the two
// Durable Object classes bound to it. Entry points (src/index.ts, test and bench Workers) call it once.
import type { ActionDefinition, MutationDefinition } from "../engine/index.ts";
import { ActionRegistry } from "./action-registry.ts";
import { createActionRunObject } from "./action-run/object.ts";
import { createWorkpoolObject } from "./workpool/object.ts";

/**
 * @example
 * const components = createComponents({ actions: [generate, generated] });
 * export class WorkpoolQueue extends components.WorkpoolQueue {}
 * export class ActionRun extends components.ActionRun {}
 */
export function createComponents(opts: { actions: readonly (ActionDefinition<any, any> | MutationDefinition<any, any>)[] }) {
  const registry = new ActionRegistry(opts.actions);
  return { registry, WorkpoolQueue: createWorkpoolObject(registry), ActionRun: createActionRunObject(registry) };
}
