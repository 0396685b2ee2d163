// `ctx.runMutation` and `ctx.runAction` inside an action or mutation: the callee runs in the same
// attempt, under a key derived from the caller's (`${key}:runMutation:${n}` for its n-th such call),
// so a retried attempt calls with the same keys in the same order and a keyed write happens once.
import { issueDetailsWithKeys, issueSummary, NonRetryableError } from "../kernel/index.ts";
import { nextCall } from "./caller.ts";
import { UsageMeter } from "./core/usage.ts";
import type { Registry } from "./registry.ts";
import type { ActionContext, DefinitionLike, FunctionCalls, FunctionReference } from "./workflow-api.ts";

/**
 * Everything of an action's context but the calls, which `withCalls` adds; `reportUsage` only where
 * something keeps the usage (a workflow step's attempt), else reports go nowhere.
 */
export type BaseActionContext = Omit<ActionContext, keyof FunctionCalls | "reportUsage"> & Partial<Pick<ActionContext, "reportUsage">>;

/**
 * The context `base` plus `runMutation`/`runAction`, resolving references through `registry`.
 * @example
 * const ctx = withCalls({ env, runId, seq, attempt, signal, idempotencyKey: `${runId}:${seq}` }, registry);
 */
export function withCalls(base: BaseActionContext, registry: Registry): ActionContext {
  return addCalls({ ...base }, registry);
}

/**
 * Like `withCalls`, on `ctx` itself rather than a copy, so its accessors stay accessors (a step attempt's
 * `signal` is made when the action first reads it).
 */
export function addCalls(ctx: BaseActionContext, registry: Registry): ActionContext {
  // SAFETY: the three members ActionContext adds to BaseActionContext are set just below.
  const full = ctx as ActionContext;
  full.reportUsage = ctx.reportUsage ?? ignoreUsage;
  full.runMutation = (mutation, args) => call(full, registry, "mutation", mutation, args);
  full.runAction = (action, args) => call(full, registry, "action", action, args);
  return full;
}

// SAFETY (the casts to never): the callee's handler returns its own result type, which the caller's
// reference or definition declared as `Result`.
async function call(
  caller: ActionContext,
  registry: Registry,
  kind: "action" | "mutation",
  ref: FunctionReference | DefinitionLike,
  args: unknown,
): Promise<never> {
  const def = registry.resolve(ref, kind);
  const scope = kind === "mutation" ? "runMutation" : "runAction";
  const key = `${caller.idempotencyKey}:${scope}:${nextCall(caller, scope)}`;
  const { runMutation: _m, runAction: _a, ...base } = caller;
  const parsed = def.args.safeParse(args);
  if (!parsed.success) {
    throw new NonRetryableError(`invalid args for "${def.name}": ${issueSummary(parsed.error)}`, {
      code: "step.invalid_args",
      details: issueDetailsWithKeys(parsed.error),
    });
  }
  return (await def.handler(withCalls({ ...base, idempotencyKey: key }, registry), parsed.data)) as never;
}

/** Where a report goes when nothing keeps usage: nowhere, though it is still checked like any other. */
function ignoreUsage(usage: unknown): void {
  new UsageMeter().report(usage);
}
