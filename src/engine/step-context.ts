// The `step` object a workflow handler receives. It only describes steps; the run object executes
// them, journals them and assigns their sequence numbers in call order.
import type { z } from "zod";
import type { RetryOption } from "./core/retry.ts";
import { nameOf } from "./define.ts";
import type { Registry } from "./registry.ts";
import type { SignalContract } from "./core/step-machine.ts";
import type { TokenUsage } from "./core/usage.ts";
import { parseSignalPayload, signalContract } from "./signal-contract.ts";
import type {
  ActionContext,
  ActionStepOptions,
  AnyWorkflow,
  DefinitionLike,
  FunctionReference,
  SignalWaitMarks,
  SlotPool,
  StepContext,
} from "./workflow-api.ts";

/** One step as the run object sees it. */
export type StepCall =
  | {
      kind: "action" | "mutation" | "run";
      name: string;
      /** The registered action or mutation the step calls; none for an inline `step.run`. */
      target?: string;
      args: unknown;
      /** The attempt's work: its value, or a promise of it (an attempt awaits it; a throw fails the attempt). */
      fn: (ctx: ActionContext) => unknown;
      retry?: RetryOption;
      timeout?: number;
      pool?: SlotPool;
    }
  | { kind: "sleep"; name: string; wake: { afterMs: number } | { at: number } }
  | { kind: "signal"; name: string; timeout?: number; contract?: SignalContract; marks?: SignalWaitMarks }
  | { kind: "workflow"; name: string; workflow: AnyWorkflow; args: unknown }
  | { kind: "now" | "random" | "uuid"; name: string };

/** The synchronous, journaled reads of a handler's `step` (they take no sequence number). */
export interface StepReads {
  patched(changeId: string): boolean;
  usage(): TokenUsage;
}

/**
 * Builds the handler's `step` over an executor that owns sequence numbers and the journal. References
 * (`internal.agents.generate`) resolve through `registry`; a definition passed as is runs as is.
 */
export function createStepContext(runId: string, registry: Registry, execute: (call: StepCall) => Promise<unknown>, reads: StepReads): StepContext {
  // Not async: the handler must get the executor's own promise, which the combinator watch sees in
  // Promise.race (combinators.ts); a reference that resolves to nothing is a rejected promise.
  const callable = (kind: "action" | "mutation", ref: DefinitionLike | FunctionReference, args: unknown, opts: ActionStepOptions = {}) => {
    const resolved = resolve(kind, ref);
    if (!resolved.ok) return Promise.reject(resolved.error);
    const { def, name } = resolved;
    return execute({
      kind,
      name: opts.name ?? name,
      target: name,
      args,
      // Args are parsed inside the attempt, so a schema failure is a (non-retryable) step failure.
      fn: async (ctx) => def.handler(ctx, parseArgs(def.args, args, name)),
      retry: opts.retry,
      timeout: opts.timeout,
      pool: opts.pool,
    });
  };

  function resolve<K extends "action" | "mutation" | "workflow">(kind: K, ref: DefinitionLike | FunctionReference) {
    try {
      const def = registry.resolve(ref, kind);
      return { ok: true as const, def, name: nameOf(def) };
    } catch (error) {
      return { ok: false as const, error };
    }
  }

  // SAFETY (each `as` below): the executor resolves a step with exactly the value its function or
  // wait produced, which has the declared type; the journal round-trips it through JSON.
  return {
    runId,
    runAction: (action, args, opts) => callable("action", action as DefinitionLike | FunctionReference, args, opts) as Promise<never>,
    runMutation: (mutation, args, opts) => callable("mutation", mutation as DefinitionLike | FunctionReference, args, opts) as Promise<never>,
    run: (name, fn, opts = {}) =>
      execute({ kind: "run", name, args: undefined, fn, retry: opts.retry, timeout: opts.timeout, pool: opts.pool }) as Promise<never>,
    sleep: (ms, opts = {}) => execute({ kind: "sleep", name: opts.name ?? "sleep", wake: { afterMs: Math.max(0, ms) } }) as Promise<void>,
    sleepUntil: (at, opts = {}) =>
      execute({ kind: "sleep", name: opts.name ?? "sleepUntil", wake: { at: typeof at === "number" ? at : at.getTime() } }) as Promise<void>,
    // SAFETY (the overloads' cast): with a schema the value is its parse's output; without, as journaled.
    waitForSignal: ((name: string, opts: { timeout?: number; schema?: z.ZodType } & SignalWaitMarks = {}) => {
      const { schema } = opts;
      const marks = signalMarks(opts);
      if (schema === undefined) return execute({ kind: "signal", name, timeout: opts.timeout, marks });
      // `.then` of the step's promise, not an async wrapper: Promise.race must still see this step (combinators.ts).
      return execute({ kind: "signal", name, timeout: opts.timeout, contract: signalContract(schema), marks }).then((payload) =>
        payload === null ? null : parseSignalPayload(schema, name, payload),
      );
    }) as StepContext["waitForSignal"],
    runWorkflow: ((workflow: DefinitionLike | FunctionReference, args: unknown, opts: { name?: string } = {}) => {
      const resolved = resolve("workflow", workflow);
      if (!resolved.ok) return Promise.reject(resolved.error);
      return execute({ kind: "workflow", name: opts.name ?? resolved.name, workflow: resolved.def, args });
    }) as StepContext["runWorkflow"],
    now: () => execute({ kind: "now", name: "now" }) as Promise<number>,
    random: () => execute({ kind: "random", name: "random" }) as Promise<number>,
    uuid: () => execute({ kind: "uuid", name: "uuid" }) as Promise<string>,
    patched: (changeId) => reads.patched(changeId),
    usage: () => reads.usage(),
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

/** The marks a wait journals: only well-formed ones (a bad label is dropped rather than failing the wait; it is for UIs only). */
function signalMarks(opts: SignalWaitMarks): SignalWaitMarks | undefined {
  const marks: SignalWaitMarks = {};
  if (typeof opts.label === "string" && opts.label.length > 0 && opts.label.length <= 100) marks.label = opts.label;
  if (typeof opts.forStep === "number" && Number.isSafeInteger(opts.forStep) && opts.forStep >= 0) marks.forStep = opts.forStep;
  return marks.label === undefined && marks.forStep === undefined ? undefined : marks;
}
