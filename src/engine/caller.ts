// Who calls a component or an agent helper: a workflow `step`, an action's (mutation's, onComplete's)
// ctx, or a Worker's env. Ids and keys derive from the caller's idempotency key, so a retry repeats them.
import { mintId } from "../kernel/index.ts";
import type { StepContext } from "./workflow-api.ts";

/** A Worker's `{ env }`, an action's or mutation's `ctx`, an onComplete `ctx`, or a workflow's `step`. */
export type CallerContext = { readonly env?: unknown; readonly idempotencyKey?: string } | StepContext;

/** Whether `ctx` is a workflow's `step`: then a call is journaled as a step of its own. */
export function isStepContext(ctx: object): ctx is StepContext {
  // SAFETY: only reads two methods that a StepContext has and the other shapes (an action's context
  // has runMutation and runAction too) lack.
  const step = ctx as Partial<StepContext>;
  return typeof step.sleep === "function" && typeof step.waitForSignal === "function";
}

const calls = new WeakMap<object, Map<string, number>>();

/**
 * How many calls in `scope` this ctx object made before this one (0, 1, 2, ...). A retried attempt gets
 * a fresh ctx, so it counts from 0 again and keys derived from the count repeat in the same order.
 */
export function nextCall(ctx: object, scope: string): number {
  let perScope = calls.get(ctx);
  if (perScope === undefined) calls.set(ctx, (perScope = new Map()));
  const n = perScope.get(scope) ?? 0;
  perScope.set(scope, n + 1);
  return n;
}

/**
 * The id of the next run started with this ctx: `${idempotencyKey}:${kind}${n}` for the n-th such start
 * (retries and jobs count together), or random without a key.
 */
export function nextRunId(ctx: CallerContext, kind: "retry" | "job"): string {
  const key = isStepContext(ctx) ? undefined : ctx.idempotencyKey;
  if (key === undefined) return mintId(kind);
  return `${key}:${kind}${nextCall(ctx, "components.run")}`;
}

/**
 * Runs `start` once: directly, or as a journaled inline step when called from a workflow handler, so
 * a replay returns the id the first execution got instead of starting another run.
 */
export async function startOnce(ctx: CallerContext, stepName: string, start: (ctx: CallerContext) => Promise<string>): Promise<string> {
  if (!isStepContext(ctx)) return start(ctx);
  return ctx.run(stepName, (stepCtx) => start(stepCtx));
}
