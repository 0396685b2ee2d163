// Where thread and agent calls come from: a workflow `step`, an action's context, or the Worker env.
// Under an action, idempotency keys derive from the step's key, so a retried attempt repeats them.
import { nextCall, type StepContext } from "../engine/index.ts";

/** An action's context (or anything with an `env`), or the Worker env itself. */
export type AgentCtx = Env | { env: Env; signal?: AbortSignal; idempotencyKey?: string; runId?: string };

/** What `createThread` and `saveMessage` accept: also a workflow `step`. */
export type ThreadCtx = StepContext | AgentCtx;

export interface ResolvedCtx {
  env: Env;
  signal: AbortSignal | undefined;
  runId: string | undefined;
  /**
   * A key for the next call of `scope` in this attempt: `${idempotencyKey}:${scope}:${n}`. The
   * counter restarts with each attempt's context, so a retried action asks for the same keys in
   * the same order. Undefined without an idempotency key (a plain Worker env).
   */
  nextKey(scope: string): string | undefined;
}

export function resolveCtx(ctx: AgentCtx): ResolvedCtx {
  const hasEnv = "env" in ctx && typeof ctx.env === "object" && ctx.env !== null;
  // SAFETY: an object without an `env` field is the Worker env itself (see AgentCtx).
  const action = hasEnv ? (ctx as { env: Env; signal?: AbortSignal; idempotencyKey?: string; runId?: string }) : undefined;
  const env = action?.env ?? (ctx as Env);
  const base = action?.idempotencyKey;
  return {
    env,
    signal: action?.signal,
    runId: action?.runId,
    nextKey: (scope) => (base === undefined ? undefined : `${base}:${scope}:${nextCall(ctx, scope)}`),
  };
}
