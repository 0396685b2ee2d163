// onComplete callbacks of the components: an action or mutation from the registry, stored by name so
// that whichever object finishes the run after a restart can still call it, once.
import type { ActionDefinition, MutationDefinition } from "../engine/index.ts";
import type { OnCompleteArgs, OnCompleteRef } from "./action-run/rpc.ts";

/** An action or mutation whose args schema is `OnCompleteArgs`, registered with `createComponents`. */
export type OnCompleteHandler = ActionDefinition<OnCompleteArgs, unknown> | MutationDefinition<OnCompleteArgs, unknown>;

export function onCompleteRef(handler: OnCompleteHandler | undefined, context: unknown): OnCompleteRef | undefined {
  if (handler === undefined) return undefined;
  return context === undefined ? { name: handler.name } : { name: handler.name, context };
}
