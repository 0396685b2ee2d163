// The `step` object a workflow handler receives. It only describes steps; the run object executes
// them, journals them and assigns their sequence numbers in call order.
import type { ActionContext, ActionDefinition, AnyWorkflow, MutationDefinition, WorkflowDefinition } from "./define.ts";
import type { RetryOption } from "./core/retry.ts";
import type { z } from "zod";

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

/** One step as the run object sees it. */
export type StepCall =
  | { kind: "action" | "mutation" | "run"; name: string; args: unknown; fn: (ctx: ActionContext) => Promise<unknown>; retry?: RetryOption; timeout?: number; pool?: SlotPool }
  | { kind: "sleep"; name: string; wake: { afterMs: number } | { at: number } }
  | { kind: "signal"; name: string; timeout?: number }
  | { kind: "workflow"; name: string; workflow: AnyWorkflow; args: unknown }
  | { kind: "now" | "random" | "uuid"; name: string };

export interface StepContext {
  readonly runId: string;
  /** Runs an action as a step: retried per policy, its result journaled. */
  runAction<Args, Result>(action: ActionDefinition<Args, Result>, args: Args, opts?: ActionStepOptions): Promise<Result>;
  /** Runs a mutation as a step; it receives the idempotency key `${runId}:${seq}`. */
  runMutation<Args, Result>(mutation: MutationDefinition<Args, Result>, args: Args, opts?: ActionStepOptions): Promise<Result>;
  /** Runs an inline closure as a step. */
  run<Result>(name: string, fn: (ctx: ActionContext) => Promise<Result> | Result, opts?: Omit<ActionStepOptions, "name">): Promise<Result>;
  /** A durable sleep. */
  sleep(ms: number, opts?: { name?: string }): Promise<void>;
  /** A durable sleep until a point in time. */
  sleepUntil(at: Date | number, opts?: { name?: string }): Promise<void>;
  /** The next signal of this name (buffered if it came early), or `null` after `timeout` ms. */
  waitForSignal<T = unknown>(name: string, opts?: { timeout?: number }): Promise<T | null>;
  /** Runs a child workflow in its own object and waits for its result. */
  runWorkflow<Schema extends z.ZodType, Result>(workflow: WorkflowDefinition<Schema, Result>, args: z.input<Schema>, opts?: { name?: string }): Promise<Result>;
  /** The current time, journaled so replay sees the same value. */
  now(): Promise<number>;
  /** A random number in [0, 1), journaled. */
  random(): Promise<number>;
  /** A random UUID, journaled. */
  uuid(): Promise<string>;
}

/** Builds the handler's `step` over an executor that owns sequence numbers and the journal. */
export function createStepContext(runId: string, execute: (call: StepCall) => Promise<unknown>): StepContext {
  const callable = (kind: "action" | "mutation", def: ActionDefinition<unknown, unknown> | MutationDefinition<unknown, unknown>, args: unknown, opts: ActionStepOptions = {}) =>
    execute({
      kind,
      name: opts.name ?? def.name,
      args,
      // Args are parsed inside the attempt, so a schema failure is a (non-retryable) step failure.
      fn: async (ctx) => def.handler(ctx, parseArgs(def.args, args, def.name)),
      retry: opts.retry,
      timeout: opts.timeout,
      pool: opts.pool,
    });

  // SAFETY (each `as` below): the executor resolves a step with exactly the value its function or
  // wait produced, which has the declared type; the journal round-trips it through JSON.
  return {
    runId,
    runAction: (action, args, opts) => callable("action", action as ActionDefinition<unknown, unknown>, args, opts) as Promise<never>,
    runMutation: (mutation, args, opts) => callable("mutation", mutation as MutationDefinition<unknown, unknown>, args, opts) as Promise<never>,
    run: (name, fn, opts = {}) =>
      execute({ kind: "run", name, args: undefined, fn: async (ctx) => fn(ctx), retry: opts.retry, timeout: opts.timeout, pool: opts.pool }) as Promise<never>,
    sleep: (ms, opts = {}) => execute({ kind: "sleep", name: opts.name ?? "sleep", wake: { afterMs: Math.max(0, ms) } }) as Promise<void>,
    sleepUntil: (at, opts = {}) =>
      execute({ kind: "sleep", name: opts.name ?? "sleepUntil", wake: { at: typeof at === "number" ? at : at.getTime() } }) as Promise<void>,
    waitForSignal: (name, opts = {}) => execute({ kind: "signal", name, timeout: opts.timeout }) as Promise<never>,
    runWorkflow: (workflow, args, opts = {}) =>
      execute({ kind: "workflow", name: opts.name ?? workflow.name, workflow: workflow as unknown as AnyWorkflow, args }) as Promise<never>,
    now: () => execute({ kind: "now", name: "now" }) as Promise<number>,
    random: () => execute({ kind: "random", name: "random" }) as Promise<number>,
    uuid: () => execute({ kind: "uuid", name: "uuid" }) as Promise<string>,
  };
}

import { issueDetailsWithKeys, issueSummary, NonRetryableError } from "../kernel/index.ts";

function parseArgs<T>(schema: z.ZodType<T>, args: unknown, name: string): T {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  throw new NonRetryableError(`invalid args for "${name}": ${issueSummary(parsed.error)}`, {
    code: "step.invalid_args",
    details: issueDetailsWithKeys(parsed.error),
  });
}
