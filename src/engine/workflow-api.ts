// The types a workflow author writes against: the definitions of workflows, actions and mutations, the
// `step` their handlers receive, and the contexts and outcomes passed to them. They refer to each other
// (a handler takes a step, a step runs definitions), so they live together; define.ts makes the values
// (the one value here is the symbol that function references carry).
import type { z } from "zod";
import type { FlowControl } from "./flow.ts";
import type { RetryOption } from "./core/retry.ts";
import type { TokenUsage, UsageReport } from "./core/usage.ts";

/**
 * Where a function may be called from. `public`: also from outside the deployment (`POST
 * /api/functions/{name}`); `internal` (the default): only from steps, actions, retriers and pools.
 */
export type Visibility = "public" | "internal";

/** The runtime key of a function reference (see `FunctionReference`). */
export const FUNCTION_PATH: unique symbol = Symbol.for("stepwise.functionPath");
declare const referenced: unique symbol;

/**
 * A typed name of a registered workflow, action or mutation: `internal.agents.generate` is the export
 * `generate` of the module registered as `agents`. It carries no code, so modules can refer to each other
 * (import the references' types only) without import cycles; the deployment's registry resolves it.
 */
export interface FunctionReference<Kind extends "workflow" | "action" | "mutation" = "workflow" | "action" | "mutation", Args = any, Result = any> {
  readonly [FUNCTION_PATH]: string;
  /** Types only: never present at run time. */
  readonly [referenced]?: { kind: Kind; args: Args; result: Result };
}

/** Calls made from inside an action or mutation: keyed by the caller's idempotency key and call order, so a retried attempt repeats the same keys. */
export interface FunctionCalls {
  /** Runs a mutation in this attempt with the key `${idempotencyKey}:runMutation:${n}` (its n-th call here). */
  runMutation<Args, Result>(mutation: MutationDefinition<Args, Result> | FunctionReference<"mutation", Args, Result>, args: Args): Promise<Result>;
  /** Runs an action in this attempt with the key `${idempotencyKey}:runAction:${n}`. */
  runAction<Args, Result>(action: ActionDefinition<Args, Result> | FunctionReference<"action", Args, Result>, args: Args): Promise<Result>;
}

/** What an action, mutation or inline step receives besides its args. */
export interface ActionContext extends FunctionCalls {
  env: Env;
  runId: string;
  /** The step's sequence number in its run. */
  seq: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** Fires when the run is canceled or the step times out. */
  signal: AbortSignal;
  /** `${runId}:${seq}`: stable across retries and replays of this step. */
  idempotencyKey: string;
  /**
   * Reports tokens of model calls this attempt made, for the run's usage (`GET /api/runs/:runId`, the
   * step's events, `step.usage()`). Agent actions report their answers themselves. What an attempt
   * reports is journaled with its outcome, success or failure (those tokens were spent), and never
   * again on replay; an attempt cut off before its outcome (a crash, a cancel) leaves no usage, and a
   * report made after the outcome is ignored. Outside a workflow step (a pool job, an ActionRetrier
   * run, `POST /api/functions`) nothing keeps it. A report that is not one throws `step.invalid_usage`.
   * @example
   * ctx.reportUsage({ model: "gpt-x", provider: "openai", inputTokens: 812, outputTokens: 64, totalTokens: 876 });
   */
  reportUsage(usage: UsageReport): void;
}

export interface ActionDefinition<Args, Result> {
  readonly type: "action";
  /** Given, or `${module}.${export}` once registered (see `Registry`). */
  readonly name: string;
  readonly visibility?: Visibility;
  readonly args: z.ZodType<Args>;
  readonly handler: (ctx: ActionContext, args: Args) => Promise<Result> | Result;
}

export interface MutationDefinition<Args, Result> {
  readonly type: "mutation";
  /** Given, or `${module}.${export}` once registered (see `Registry`). */
  readonly name: string;
  readonly visibility?: Visibility;
  readonly args: z.ZodType<Args>;
  readonly handler: (ctx: ActionContext, args: Args) => Promise<Result> | Result;
}

export type RunOutcome<R = unknown> =
  | { status: "completed"; result: R }
  | { status: "failed"; error: { code: string; message: string } }
  | { status: "canceled" };

export interface OnCompleteContext {
  env: Env;
  runId: string;
  workflow: string;
  /** `${runId}:onComplete`: lets the callback dedupe its side effects if it runs again after a crash. */
  idempotencyKey: string;
}

export interface WorkflowDefinition<Schema extends z.ZodType = z.ZodType, Result = unknown> {
  readonly type: "workflow";
  /** Given, or `${module}.${export}` once registered (see `Registry`). */
  readonly name: string;
  /**
   * Which version of the workflow this is (a positive integer; 1 when not given). Several versions of one
   * name may be registered at once: a run continues on the version it started on, new runs start on the
   * newest unless the start asks for another.
   */
  readonly version?: number;
  /** How long a finished run of this workflow is kept, in days (default `STEPWISE_RETENTION_DAYS`, else 30). */
  readonly retentionDays?: number;
  readonly args: Schema;
  readonly returns?: z.ZodType<Result>;
  readonly retry?: RetryOption;
  readonly handler: (step: StepContext, args: z.output<Schema>) => Promise<Result>;
  readonly onComplete?: (ctx: OnCompleteContext, outcome: RunOutcome<Result>, args: z.output<Schema>) => Promise<void> | void;
  /** How its runs share capacity (see FlowControl): each rule optionally keyed by an expression over the args. */
  readonly concurrency?: FlowControl<z.output<Schema>>["concurrency"];
  readonly throttle?: FlowControl<z.output<Schema>>["throttle"];
  readonly debounce?: FlowControl<z.output<Schema>>["debounce"];
  readonly rateLimit?: FlowControl<z.output<Schema>>["rateLimit"];
}

// SAFETY (for the casts to AnyWorkflow below): handler and onComplete are only ever called with args
// parsed by `args`, and results are checked by `returns`, so erasing the parameters is sound.
export type AnyWorkflow = WorkflowDefinition<z.ZodType, unknown>;

// SAFETY (for casts to AnyCallable): a callable is only invoked with args parsed by its own `args` schema.
export type AnyCallable = ActionDefinition<unknown, unknown> | MutationDefinition<unknown, unknown>;
export type AnyDefinition = AnyWorkflow | AnyCallable;
/** Any definition, whatever its args and result (what registries and lookups accept). */
export type DefinitionLike = { readonly type: AnyDefinition["type"]; readonly name: string };

export interface ActionStepOptions {
  /** `true` for the default policy, or a partial policy; defaults to the workflow's `retry`. */
  retry?: RetryOption;
  /** Milliseconds an attempt may take; past it the attempt's signal fires and it fails with `step.timeout`. */
  timeout?: number;
  /** The step's name in the journal; defaults to the action's name. */
  name?: string;
  /** Runs each attempt inside a slot of this pool (see `Workpool`), waiting for one first. */
  pool?: SlotPool;
}

/**
 * Something that hands out concurrency slots, such as a `Workpool`. The engine asks for a slot before
 * each attempt and releases it after; `holderId` is stable for the attempt, so asking again after a
 * crash keeps the holder's place rather than queuing twice.
 */
export interface SlotPool {
  acquire(req: { holderId: string; signal: AbortSignal }): Promise<SlotLease>;
}

export interface SlotLease {
  release(): Promise<void>;
}

export interface StepContext {
  readonly runId: string;
  /** Runs an action as a step: retried per policy, its result journaled. */
  runAction<Args, Result>(
    action: ActionDefinition<Args, Result> | FunctionReference<"action", Args, Result>,
    args: Args,
    opts?: ActionStepOptions,
  ): Promise<Result>;
  /** Runs a mutation as a step; it receives the idempotency key `${runId}:${seq}`. */
  runMutation<Args, Result>(
    mutation: MutationDefinition<Args, Result> | FunctionReference<"mutation", Args, Result>,
    args: Args,
    opts?: ActionStepOptions,
  ): Promise<Result>;
  /** Runs an inline closure as a step. */
  run<Result>(name: string, fn: (ctx: ActionContext) => Promise<Result> | Result, opts?: Omit<ActionStepOptions, "name">): Promise<Result>;
  /** A durable sleep. */
  sleep(ms: number, opts?: { name?: string }): Promise<void>;
  /** A durable sleep until a point in time. */
  sleepUntil(at: Date | number, opts?: { name?: string }): Promise<void>;
  /**
   * The next signal of this name (buffered if it came early) whose payload matches `schema`, parsed by it
   * (defaults and transforms apply), or `null` after `timeout` ms. A payload that fails the schema never
   * reaches the handler: the API refuses it with a 400 naming the failing paths while the wait waits,
   * and a buffered one is refused (event `signal.refused`) when the wait would take it. With a schema,
   * the payload may not be omitted.
   * @example
   * const decision = await step.waitForSignal("approval", { timeout: DAY_MS, schema: z.object({ approved: z.boolean() }) });
   * if (decision?.approved) await step.runMutation(publish, { text });
   */
  waitForSignal<S extends z.ZodType>(name: string, opts: { timeout?: number; schema: S } & SignalWaitMarks): Promise<z.output<S> | null>;
  /**
   * Without a schema the payload is not checked (an omitted one arrives as `true`): prefer a schema.
   * @example
   * const payload = await step.waitForSignal("poke", { timeout: 60_000 }); // unknown, or null on timeout
   */
  waitForSignal<T = unknown>(name: string, opts?: { timeout?: number } & SignalWaitMarks): Promise<T | null>;
  /** Runs a child workflow in its own object and waits for its result. */
  runWorkflow<Schema extends z.ZodType, Result>(workflow: WorkflowDefinition<Schema, Result>, args: z.input<Schema>, opts?: { name?: string }): Promise<Result>;
  runWorkflow<Args, Result>(workflow: FunctionReference<"workflow", Args, Result>, args: Args, opts?: { name?: string }): Promise<Result>;
  /** The current time, journaled so replay sees the same value. */
  now(): Promise<number>;
  /** A random number in [0, 1), journaled. */
  random(): Promise<number>;
  /** A random UUID, journaled. */
  uuid(): Promise<string>;
  /**
   * Whether this run takes the code path of the change `changeId` (Temporal's `patched`): `true` for a
   * run that reaches this point on code that has the check, `false` for a run replaying past this point
   * that passed it before the check existed. The answer is journaled, so it never flips for a run.
   * @example
   * if (step.patched("send-receipt")) await step.runAction(internal.billing.sendReceipt, { orderId });
   */
  patched(changeId: string): boolean;
  /**
   * The token usage of this run's steps so far (what their attempts reported with `ctx.reportUsage`,
   * agent steps included): the steps called before this point whose attempts ended. A step still running
   * counts only its attempts that already failed. The answer is journaled where it was asked, so a
   * replay reads the same numbers, and it takes no step: adding a read to running code is safe.
   * @example
   * if (step.usage().totalTokens > 50_000) return { stopped: "token budget" };
   */
  usage(): TokenUsage;
}

/**
 * Marks on a signal wait, journaled with it and shown in the run's `waitingFor`, so a UI can tell one
 * kind of wait from another (`requestApproval` waits with `label: "approval"`). They never take part in
 * replay matching (that is the step's kind and name), so adding or changing them keeps old runs replaying.
 */
export interface SignalWaitMarks {
  /** What kind of wait this is, for UIs: 1-100 characters. */
  label?: string;
  /** The seq of the step this wait answers (an approval's request step). */
  forStep?: number;
}
