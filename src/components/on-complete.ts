// onComplete callbacks of the components: an action or mutation from the registry, stored by name so
// that whichever object finishes the run after a restart can still call it, once.
import { functionName, type ActionDefinition, type FunctionReference, type MutationDefinition } from "../engine/index.ts";
import type { OnCompleteArgs, OnCompleteRef } from "./action-run/rpc.ts";

/** An action or mutation (or a reference to one) whose args schema is `OnCompleteArgs`, registered by its module. */
export type OnCompleteHandler =
  | ActionDefinition<OnCompleteArgs, unknown>
  | MutationDefinition<OnCompleteArgs, unknown>
  | FunctionReference<"action" | "mutation", OnCompleteArgs, unknown>;

export function onCompleteRef(handler: OnCompleteHandler | undefined, context: unknown): OnCompleteRef | undefined {
  if (handler === undefined) return undefined;
  const name = functionName(handler);
  return context === undefined ? { name } : { name, context };
}
