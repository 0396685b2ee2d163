// The components' two Durable Object classes, bound to the deployment's registry (the actions and
// mutations they may run by name). `createStepwise` calls this; other entry points may too.
import type { Registry } from "../engine/index.ts";
import { createActionRunObject } from "./action-run/object.ts";
import { createWorkpoolObject } from "./workpool/object.ts";

/**
 * @example
 * const components = createComponents(new Registry({ modules: { jobs } }));
 * export class WorkpoolQueue extends components.WorkpoolQueue {}
 * export class ActionRun extends components.ActionRun {}
 */
export function createComponents(registry: Registry) {
  return { WorkpoolQueue: createWorkpoolObject(registry), ActionRun: createActionRunObject(registry) };
}
