// The Workpool: a named, deployment-wide concurrency limit. Jobs are enqueued into it and run first in,
// first out, at most `maxParallelism` at a time; workflow steps share the same slots through `{ pool }`.
import { log, loggedError, unwrap } from "../../kernel/index.ts";
import {
  acrossObjects,
  functionName,
  nextRunId,
  resolveRetry,
  startOnce,
  type ActionDefinition,
  type CallerContext,
  type FunctionReference,
  type RetryOption,
  type SlotLease,
  type SlotPool,
} from "../../engine/index.ts";
import type { WorkpoolNamespace, WorkpoolStub } from "../bindings.ts";
import { onCompleteRef, type OnCompleteHandler } from "../on-complete.ts";
import type { ActionRunView } from "../action-run/rpc.ts";
import { PoolConfigInput, pollWaitMs, type PoolConfigInput as PoolConfig } from "./core/queue.ts";
import type { PoolStats } from "./rpc.ts";
import { PoolLease } from "./lease.ts";

export interface WorkpoolOptions {
  /** The pool: every `Workpool` with this name, anywhere in the deployment, shares its slots. */
  name: string;
  /** At most this many jobs and pooled steps at once (default 10; 0 pauses). The latest constructor's value wins; see `setMaxParallelism`. */
  maxParallelism?: number;
  /** A crashed holder's slot comes back after this long (default 30 s); live holders renew every third of it. */
  leaseMs?: number;
  /** The retry policy of jobs that do not pass `retry` (default: none, one attempt). */
  defaultRetry?: RetryOption;
}

export interface EnqueueOptions {
  /** `true` for the engine's default policy (5 attempts, 500 ms doubling), or a partial policy. */
  retry?: RetryOption;
  /** Called once when the job ends, with `{ id, outcome, context }` (see `OnCompleteArgs`). */
  onComplete?: OnCompleteHandler;
  /** Passed to onComplete as `context`. */
  context?: unknown;
  /** The job's id; by default derived from the caller's idempotency key, else random. */
  id?: string;
}

/**
 * A pool of slots, shared by every caller in the deployment.
 * @example
 * import { env } from "cloudflare:workers";
 * const llm = new Workpool(env.WORKPOOLS, { name: "llm", maxParallelism: 5 });
 * // From a Worker or an action: queue work.
 * const id = await llm.enqueueAction({ env }, generate, { threadId, prompt }, { retry: true });
 * // From a workflow: every run's step waits for a slot of the same pool.
 * const text = await step.runAction(generate, { threadId, prompt }, { pool: llm });
 */
export class Workpool implements SlotPool {
  readonly name: string;
  readonly #ns: () => WorkpoolNamespace;
  readonly #config: PoolConfig;
  readonly #defaultRetry: RetryOption | undefined;

  /** `ns`: the WORKPOOLS namespace, or a function that finds it when first needed. */
  constructor(ns: WorkpoolNamespace | (() => WorkpoolNamespace), opts: WorkpoolOptions) {
    const { defaultRetry, ...config } = opts;
    this.#config = PoolConfigInput.parse(config);
    this.name = this.#config.name;
    this.#ns = typeof ns === "function" ? ns : () => ns;
    this.#defaultRetry = defaultRetry;
  }

  /**
   * Queues an action; it runs when a slot is free, in the order enqueued. Returns the job's id.
   * @example
   * const id = await pool.enqueueAction(ctx, summarize, { docId }, { retry: true, onComplete: summaryDone });
   */
  async enqueueAction<Args, Result>(
    ctx: CallerContext,
    action: ActionDefinition<Args, Result> | FunctionReference<"action", Args, Result>,
    args: Args,
    opts: EnqueueOptions = {},
  ): Promise<string> {
    const name = functionName(action);
    const spec = {
      action: name,
      args,
      retry: resolveRetry(opts.retry, this.#defaultRetry),
      onComplete: onCompleteRef(opts.onComplete, opts.context),
      pool: { name: this.name },
    };
    return startOnce(ctx, `workpool.enqueue:${name}`, async (c) => {
      const jobId = opts.id ?? nextRunId(c, "job");
      unwrap(await this.#stub().enqueue({ pool: this.#config, jobId, spec }));
      return jobId;
    });
  }

  /** A job's status: pending (queued, or between attempts), running, completed, failed or canceled. */
  async status(id: string): Promise<ActionRunView> {
    return unwrap(await this.#stub().jobStatus(id));
  }

  /** Cancels a job: a queued one never runs; a running one sees its signal abort. onComplete runs once. */
  async cancel(id: string): Promise<void> {
    unwrap(await this.#stub().cancelJob(id));
  }

  /**
   * Changes the limit at run time for every caller (0 pauses the pool); `null` goes back to the
   * constructors' value. Slots in use are not taken back: a lower limit applies as they are released.
   */
  async setMaxParallelism(maxParallelism: number | null): Promise<PoolStats> {
    return unwrap(await this.#stub().setMaxParallelism({ pool: this.#config, maxParallelism }));
  }

  async stats(): Promise<PoolStats> {
    return unwrap(await this.#stub().stats());
  }

  /**
   * `SlotPool`: waits (in line, first in first out) for a slot. `holderId` names the caller: asking
   * again with the same id keeps its place, or gets the slot it was granted meanwhile.
   */
  async acquire(req: { holderId: string; signal: AbortSignal }): Promise<SlotLease> {
    const { holderId, signal } = req;
    const waitMs = pollWaitMs(this.#config.leaseMs ?? 30_000);
    const giveUp = () => {
      this.#stub()
        .release({ holderId })
        .catch((err: unknown) => log.error("leaving the pool's queue failed", { pool: this.name, holderId, error: loggedError(err) }));
      return signal.reason;
    };
    let failures = 0;
    for (;;) {
      if (signal.aborted) throw giveUp();
      let reply: Awaited<ReturnType<WorkpoolStub["acquire"]>>;
      try {
        reply = await abortable(
          acrossObjects("step.pool", () => this.#stub().acquire({ pool: this.#config, holderId, waitMs })),
          signal,
        );
      } catch (err) {
        if (signal.aborted) throw giveUp();
        // The pool object restarted, was deployed, or the call broke: ask again (for as long as the
        // caller waits: a durable step's wait must not fail on a passing outage), the queue entry
        // kept our place.
        failures++;
        if (failures === 1 || failures % 30 === 0)
          log.error("asking the pool for a slot failed; asking again", { pool: this.name, holderId, failures, error: loggedError(err) });
        await pause(Math.min(2_000, 25 * 2 ** failures), signal);
        continue;
      }
      failures = 0;
      const answer = unwrap(reply);
      if (answer.granted) return new PoolLease({ stub: () => this.#stub(), holderId, heartbeatMs: answer.heartbeatMs, signal });
    }
  }

  /** Leaves the queue, or gives back the slot, held under `holderId` (for a holder that lost its lease object). */
  async leave(holderId: string): Promise<void> {
    unwrap(await this.#stub().release({ holderId }));
  }

  /** A slot the pool already granted to `holderId` (it dispatched a job): renew it until released. */
  adopt(holderId: string, heartbeatMs: number, signal?: AbortSignal): PoolLease {
    return new PoolLease({ stub: () => this.#stub(), holderId, heartbeatMs, signal });
  }

  #stub(): WorkpoolStub {
    return this.#ns().getByName(this.name);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
