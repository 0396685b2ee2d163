// The actions and mutations a deployment can run by name from a component object (a pool job, a
// retried action, an onComplete callback): code is not data, so a restarted object looks them up here.
import type { ActionDefinition, MutationDefinition } from "../engine/index.ts";

// SAFETY (for the casts to AnyCallable below): a callable is only invoked with args parsed by its
// own `args` schema, so erasing the parameter type is sound.
export type AnyCallable = ActionDefinition<unknown, unknown> | MutationDefinition<unknown, unknown>;

/**
 * The callables components may run: every action given to `ActionRetrier.run` or
 * `Workpool.enqueueAction`, and every `onComplete` handler.
 * @example
 * const components = createComponents({ actions: [summarize, summaryDone] });
 */
export class ActionRegistry {
  readonly #byName = new Map<string, AnyCallable>();

  constructor(callables: readonly (ActionDefinition<any, any> | MutationDefinition<any, any>)[]) {
    for (const c of callables) {
      if (this.#byName.has(c.name)) throw new TypeError(`component action "${c.name}" is registered twice`);
      // SAFETY: see AnyCallable.
      this.#byName.set(c.name, c as AnyCallable);
    }
  }

  get(name: string): AnyCallable | undefined {
    return this.#byName.get(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}
