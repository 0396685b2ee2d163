// The ActionRetrier: runs one action durably until it succeeds, with exponential backoff between
// attempts (alarms), up to `maxFailures` failures; the outcome goes to an optional onComplete, once.
import { unwrap } from "../kernel/index.ts";
import { functionName, nextRunId, startOnce, type ActionDefinition, type CallerContext, type FunctionReference } from "../engine/index.ts";
import { retrierPolicy, type RetrierOptions } from "./action-run/core/plan.ts";
import type { ActionRunView } from "./action-run/rpc.ts";
import type { ActionRunNamespace } from "./bindings.ts";
import { onCompleteRef, type OnCompleteHandler } from "./on-complete.ts";

export interface RetrierRunOptions extends Partial<RetrierOptions> {
  /** Called once when the run ends, with `{ id, outcome, context }` (see `OnCompleteArgs`). */
  onComplete?: OnCompleteHandler;
  /** Passed to onComplete as `context`. */
  context?: unknown;
  /** The run's id; by default derived from the caller's idempotency key, else random. */
  id?: string;
}

/**
 * Retries an action until it succeeds, durably: a crash between attempts loses nothing.
 * Defaults: `initialBackoffMs` 250, `base` 2, `maxFailures` 4 (so at most 5 attempts).
 * @example
 * const retrier = new ActionRetrier(env.ACTION_RUNS, { initialBackoffMs: 1000, base: 2, maxFailures: 4 });
 * const id = await retrier.run({ env }, sendInvoice, { orderId }, { onComplete: invoiceSent });
 * const { status } = await retrier.status(id); // "pending" | "running" | "completed" | "failed" | "canceled"
 */
export class ActionRetrier {
  readonly #ns: () => ActionRunNamespace;
  readonly #defaults: Partial<RetrierOptions>;

  /** `ns`: the ACTION_RUNS namespace, or a function that finds it when first needed. */
  constructor(ns: ActionRunNamespace | (() => ActionRunNamespace), opts: Partial<RetrierOptions> = {}) {
    retrierPolicy(opts); // fail fast on a nonsense policy
    this.#ns = typeof ns === "function" ? ns : () => ns;
    this.#defaults = opts;
  }

  /**
   * Starts the action; returns the run's id at once (the first attempt runs in the background). An
   * action (or onComplete) the deployment did not register is refused here: `action.not_registered`.
   */
  async run<Args, Result>(
    ctx: CallerContext,
    action: ActionDefinition<Args, Result> | FunctionReference<"action", Args, Result>,
    args: Args,
    opts: RetrierRunOptions = {},
  ): Promise<string> {
    const { onComplete, context, id, ...policy } = opts;
    const name = functionName(action);
    const spec = { action: name, args, retry: retrierPolicy({ ...this.#defaults, ...policy }), onComplete: onCompleteRef(onComplete, context) };
    return startOnce(ctx, `retrier.run:${name}`, async (c) => {
      const runId = id ?? nextRunId(c, "retry");
      unwrap(await this.#ns().getByName(runId).start({ id: runId, spec }));
      return runId;
    });
  }

  /** The run's status, result or error, and its attempts so far. */
  async status(id: string): Promise<ActionRunView> {
    return unwrap(await this.#ns().getByName(id).describe());
  }

  /** Stops further attempts (an attempt in flight sees its signal abort); onComplete runs once with `canceled`. */
  async cancel(id: string): Promise<void> {
    unwrap(await this.#ns().getByName(id).cancel());
  }
}
