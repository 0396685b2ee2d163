// The action run Durable Object: one per retried action or pool job, a thin RPC and alarm dispatcher
// over ActionRunner. Built by a factory so a deployment binds it to its registry of component actions.
import { DurableObject } from "cloudflare:workers";
import { systemClock, type Clock } from "../../kernel/index.ts";
import type { ActionRegistry } from "../action-registry.ts";
import { ActionRunner } from "./runner.ts";
import type { StartRequest } from "./rpc.ts";

export function createActionRunObject(registry: ActionRegistry) {
  return class ActionRun extends DurableObject<Env> {
    readonly #run: ActionRunner;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#run = new ActionRunner({ ctx, env, registry, clock: this.clock() });
    }

    /**
     * The clock the run reads (tests override it to move time by hand). Called from the constructor,
     * so an override must not read fields of its own class.
     */
    protected clock(): Clock {
      return systemClock;
    }

    start(req: StartRequest) {
      return this.#run.start(req);
    }

    describe() {
      return this.#run.describe();
    }

    cancel() {
      return this.#run.cancel();
    }

    /** For tests and tools: resolves once nothing runs in this instance. */
    settled() {
      return this.#run.settled();
    }

    override alarm() {
      return this.#run.alarm();
    }
  };
}

export type ActionRunObject = InstanceType<ReturnType<typeof createActionRunObject>>;
