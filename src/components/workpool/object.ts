// The pool Durable Object: one per pool name, a thin RPC and alarm shell over PoolDispatcher.
// Built by a factory so a deployment binds it to its registry of component actions.
import { DurableObject } from "cloudflare:workers";
import { objectClock, systemClock, type Clock } from "../../kernel/index.ts";
import type { Registry } from "../../engine/index.ts";
import { PoolDirectory } from "./directory.ts";
import { PoolDispatcher } from "./dispatcher.ts";
import type {
  AcquireRequest,
  DebounceRequest,
  EnqueueRequest,
  EnqueueRunRequest,
  HolderRequest,
  PoolFailure,
  SetMaxRequest,
  TakeRequest,
  WorkpoolRpc,
} from "./rpc.ts";

export function createWorkpoolObject(registry: Registry) {
  return class WorkpoolQueue extends DurableObject<Env> implements WorkpoolRpc {
    readonly #pool: PoolDispatcher;
    readonly #directory: PoolDirectory;
    readonly #clock: Clock;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#clock = this[objectClock]();
      // The dispatcher migrates the storage (the directory's table included) under blockConcurrencyWhile.
      this.#pool = new PoolDispatcher({ ctx, env, registry, clock: this.#clock });
      this.#directory = new PoolDirectory(ctx.storage);
    }

    /**
     * The clock the pool reads (tests override it to move time by hand). Called from the constructor,
     * so an override must not read fields of its own class.
     */
    protected [objectClock](): Clock {
      return systemClock;
    }

    acquire(req: AcquireRequest) {
      return this.#pool.acquire(req);
    }

    heartbeat(req: HolderRequest) {
      return this.#pool.heartbeat(req);
    }

    release(req: HolderRequest) {
      return this.#pool.release(req);
    }

    enqueue(req: EnqueueRequest) {
      return this.#pool.enqueue(req);
    }

    jobStatus(jobId: string) {
      return this.#pool.jobStatus(jobId);
    }

    cancelJob(jobId: string) {
      return this.#pool.cancelJob(jobId);
    }

    setMaxParallelism(req: SetMaxRequest) {
      return this.#pool.setMaxParallelism(req);
    }

    stats() {
      return this.#pool.stats();
    }

    recordFailure(failure: PoolFailure) {
      return this.#pool.recordFailure(failure);
    }

    overview() {
      return this.#pool.overview();
    }

    enqueueRun(req: EnqueueRunRequest) {
      return this.#pool.enqueueRun(req);
    }

    takeStart(req: TakeRequest) {
      return this.#pool.takeStart(req);
    }

    debounceRun(req: DebounceRequest) {
      return this.#pool.debounceRun(req);
    }

    runPlace(runId: string) {
      return this.#pool.runPlace(runId);
    }

    leaveRun(runId: string) {
      return this.#pool.leaveRun(runId);
    }

    directoryAdd(name: string) {
      return this.#directory.add(name, this.#clock.now());
    }

    directoryList() {
      return this.#directory.list();
    }

    directoryHas(name: string) {
      return this.#directory.has(name);
    }

    override alarm() {
      return this.#pool.alarm();
    }
  };
}
