// The seed's WorkflowManager: `define` takes `args` as an object of validators and no name (its module
// and export name it); `start`, `status` and `cancel` work from any Worker code, with a per-start
// `onComplete` called in the seed's result shape.
import { env as workerEnv } from "cloudflare:workers";
import type { z } from "zod";
import {
  createClient,
  defineWorkflow,
  functionName,
  RunCompletion,
  type ActionDefinition,
  type FunctionReference,
  type MutationDefinition,
  type RetryOption,
  type RunView,
  type StepContext,
  type WorkflowDefinition,
} from "../engine/index.ts";
import { components, expectComponent, type Component } from "./components.ts";
import { argsSchema, type ArgsOf, type ArgsSpec, v } from "./values.ts";

/** A run's id. */
export type WorkflowId = string;

/** The args of an onComplete handler, for `mutation({ args: vOnCompleteArgs, ... })`. */
export const vOnCompleteArgs = { workflowId: v.string(), result: RunCompletion.shape.result, context: v.any() };
export const vWorkflowId = v.string();
export const vResultValidator = RunCompletion.shape.result;
/** What an onComplete receives as `result`: `{ kind: "success", returnValue }`, `{ kind: "failed", error }` or `{ kind: "canceled" }`. */
export type RunResult = RunCompletion["result"];

/** A run's state in the seed's shape. */
export type WorkflowStatus =
  | { type: "inProgress"; running: { name: string; kind: string; status: string }[] }
  | { type: "completed"; result: unknown }
  | { type: "failed"; error: string }
  | { type: "canceled" };

/** Where `start`, `status` and `cancel` may be called from: anything with an `env` (an action's ctx, a Worker's `{ env }`), or nothing. */
export type RunsCtx = { readonly env?: Env; readonly idempotencyKey?: string } | undefined;

type OnComplete = FunctionReference<"mutation" | "action"> | ActionDefinition<any, any> | MutationDefinition<any, any>;

/**
 * @example
 * const workflow = new WorkflowManager(components.workflow);
 * export const supportWorkflow = workflow.define({
 *   args: { prompt: v.string(), userId: v.string() },
 *   handler: async (step, { prompt, userId }): Promise<string> => { ... },
 * });
 * const id = await workflow.start(ctx, internal.workflows.supportWorkflow, { prompt, userId }, { onComplete: internal.workflows.done, context: { userId } });
 */
export class WorkflowManager {
  readonly #retry: RetryOption | undefined;

  constructor(component: Component<"workflow"> = components.workflow, opts: { defaultRetryBehavior?: RetryOption } = {}) {
    expectComponent(component, "workflow", "new WorkflowManager");
    this.#retry = opts.defaultRetryBehavior;
  }

  /** A workflow. Without `name` it is named by its module and export when registered. */
  define<A extends ArgsSpec | undefined = undefined, R = unknown>(spec: {
    name?: string;
    args?: A;
    returns?: z.ZodType<R>;
    handler: (step: StepContext, args: ArgsOf<A>) => Promise<R>;
  }): WorkflowDefinition<z.ZodType<ArgsOf<A>>, R> {
    return defineWorkflow({
      ...(spec.name === undefined ? {} : { name: spec.name }),
      // SAFETY: argsSchema(spec.args) parses to ArgsOf<A> (see values.ts).
      args: argsSchema(spec.args) as z.ZodType<ArgsOf<A>>,
      ...(spec.returns === undefined ? {} : { returns: spec.returns }),
      ...(this.#retry === undefined ? {} : { retry: this.#retry }),
      handler: spec.handler,
    });
  }

  /**
   * Starts a run; returns its id. `onComplete` (a registered mutation or action) is called once when it
   * ends, with `{ workflowId, result, context }`. From an action, the start is keyed by the action's
   * idempotency key, so a retried action starts the same run again, not a second one.
   */
  async start<Args, R>(
    ctx: RunsCtx,
    workflow: FunctionReference<"workflow", Args, R> | WorkflowDefinition<z.ZodType<Args>, R>,
    args: Args,
    opts: { onComplete?: OnComplete; context?: unknown } = {},
  ): Promise<WorkflowId> {
    const key = (ctx as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
    const onComplete = opts.onComplete === undefined ? {} : { onComplete: { name: functionName(opts.onComplete), context: opts.context ?? null } };
    const started = await client(ctx).startRun(workflow, args, {
      ...onComplete,
      ...(typeof key === "string" ? { idempotencyKey: `${key}:workflow.start:${startCount(ctx)}` } : {}),
    });
    return started.runId;
  }

  /** The run's state in the seed's shape. */
  async status(ctx: RunsCtx, workflowId: WorkflowId): Promise<WorkflowStatus> {
    return toStatus(await client(ctx).getRun(workflowId, { steps: "none" }));
  }

  /** Cancels the run (its open steps end, its onComplete runs with `{ kind: "canceled" }`). */
  async cancel(ctx: RunsCtx, workflowId: WorkflowId): Promise<void> {
    await client(ctx).cancelRun(workflowId);
  }
}

function client(ctx: RunsCtx) {
  return createClient(ctx?.env ?? workerEnv);
}

const starts = new WeakMap<object, number>();
function startCount(ctx: RunsCtx): number {
  if (ctx === undefined) return 0;
  const n = starts.get(ctx) ?? 0;
  starts.set(ctx, n + 1);
  return n;
}

function toStatus(run: RunView): WorkflowStatus {
  switch (run.status) {
    case "completed":
      return { type: "completed", result: run.result };
    case "failed":
      return { type: "failed", error: run.error?.message ?? "failed" };
    case "canceled":
      return { type: "canceled" };
    default:
      return { type: "inProgress", running: run.waitingFor.map((w) => ({ name: w.kind === "signal" ? w.signal : w.name, kind: w.kind, status: run.status })) };
  }
}
