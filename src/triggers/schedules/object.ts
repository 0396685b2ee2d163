// The schedule Durable Object: one per schedule name (and one, SCHEDULE_DIRECTORY, listing them), a
// thin RPC and alarm shell over ScheduleHost. Built by a factory so it binds the deployment's registry.
import { DurableObject } from "cloudflare:workers";
import type { Registry } from "../../engine/index.ts";
import { type Clock, objectClock, ok, type RpcResult, systemClock } from "../../kernel/index.ts";
import { ScheduleHost } from "./host.ts";
import type { PutRequest, ScheduleRpc } from "./rpc.ts";
import type { ScheduleSource } from "./store.ts";

export function createScheduleObject(registry: Registry) {
  return class ScheduleObject extends DurableObject<Env> implements ScheduleRpc {
    readonly #host: ScheduleHost;
    readonly #clock: Clock;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#clock = this[objectClock]();
      this.#host = new ScheduleHost({ ctx, env, registry, clock: this.#clock });
    }

    /**
     * The clock the schedule reads (tests override it to move time by hand). Called from the
     * constructor, so an override must not read fields of its own class.
     */
    protected [objectClock](): Clock {
      return systemClock;
    }

    put(req: PutRequest) {
      return this.#host.put(req);
    }

    describe() {
      return this.#host.describe();
    }

    pause() {
      return this.#host.pause();
    }

    resume() {
      return this.#host.resume();
    }

    trigger() {
      return this.#host.trigger();
    }

    remove(opts: { force: boolean }) {
      return this.#host.remove(opts);
    }

    runEnded(runId: string) {
      return this.#host.runEnded(runId);
    }

    directoryPut(name: string, source: ScheduleSource): RpcResult<{ listed: true }> {
      this.#host.store.directoryPut(String(name), source === "code" ? "code" : "api", this.#clock.now());
      return ok({ listed: true as const });
    }

    directoryRemove(name: string): RpcResult<{ removed: true }> {
      this.#host.store.directoryRemove(String(name));
      return ok({ removed: true as const });
    }

    directoryList() {
      return ok({ entries: this.#host.store.directoryList() });
    }

    override alarm() {
      return this.#host.alarm();
    }
  };
}
