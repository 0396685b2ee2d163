// The action run Durable Object: one per retried action or pool job, a thin RPC and alarm dispatcher
// over ActionRunner. Built by a factory so a deployment binds it to its registry of component actions.
import { DurableObject } from "cloudflare:workers";
import { objectClock, systemClock, type Clock } from "../../kernel/index.ts";
import type { Registry } from "../../engine/index.ts";
import { ActionRunner } from "./runner.ts";
import { RunDirectory, type DirectoryEntry, type DirectoryPage } from "./directory.ts";
import type { ActionRunRpc, StartRequest } from "./rpc.ts";

/**
 * The key of an action run object's "wait until quiet" (see ActionRunner.settled). A symbol, so it is
 * not part of the RPC surface: only code in the object's own isolate (a test's subclass) can call it.
 */
export const actionRunSettled: unique symbol = Symbol("stepwise.actionRunSettled");

export function createActionRunObject(registry: Registry) {
  return class ActionRun extends DurableObject<Env> implements ActionRunRpc {
    readonly #run: ActionRunner;
    readonly #directory: RunDirectory;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      // The runner migrates the storage (the directory's table included) under blockConcurrencyWhile.
      this.#run = new ActionRunner({ ctx, env, registry, clock: this[objectClock]() });
      this.#directory = new RunDirectory(ctx.storage);
    }

    /**
     * The clock the run reads (tests override it to move time by hand). Called from the constructor,
     * so an override must not read fields of its own class.
     */
    protected [objectClock](): Clock {
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

    directoryAdd(entry: DirectoryEntry) {
      return this.#directory.add(entry);
    }

    directoryRemove(runId: string) {
      return this.#directory.remove(runId);
    }

    directoryList(page: DirectoryPage) {
      return this.#directory.list(page);
    }

    [actionRunSettled]() {
      return this.#run.settled();
    }

    override alarm() {
      return this.#run.alarm();
    }
  };
}
