// The `ctx` that ActionRetrier.run and Workpool.enqueueAction take: whatever the caller has. With an
// idempotency key (inside an action, mutation or onComplete) the new id derives from it, so a retried
// caller starts the same run again rather than a second one; a workflow `step` journals the call.
import type { StepContext } from "../engine/index.ts";
import { mintId } from "../kernel/index.ts";

/** A Worker's `{ env }`, an action's or mutation's `ctx`, an onComplete `ctx`, or a workflow's `step`. */
export type CallerContext = { readonly env?: unknown; readonly idempotencyKey?: string } | StepContext;

const calls = new WeakMap<object, number>();

export function isStepContext(ctx: CallerContext): ctx is StepContext {
  // SAFETY: only reads a property that a StepContext has and the other shapes lack.
  return typeof (ctx as Partial<StepContext>).runAction === "function";
}

/**
 * The id of the next run started with this ctx: `${idempotencyKey}:${kind}${n}` for the n-th call
 * with the same ctx object (a retried attempt gets a fresh ctx, so it counts from 0 again), or random.
 */
export function nextRunId(ctx: CallerContext, kind: "retry" | "job"): string {
  const key = isStepContext(ctx) ? undefined : ctx.idempotencyKey;
  if (key === undefined) return mintId(kind);
  const n = calls.get(ctx) ?? 0;
  calls.set(ctx, n + 1);
  return `${key}:${kind}${n}`;
}

/**
 * Runs `start` once: directly, or as a journaled inline step when called from a workflow handler, so
 * a replay returns the id the first execution got instead of starting another run.
 */
export async function startOnce(ctx: CallerContext, stepName: string, start: (ctx: CallerContext) => Promise<string>): Promise<string> {
  if (!isStepContext(ctx)) return start(ctx);
  return ctx.run(stepName, (stepCtx) => start(stepCtx));
}
