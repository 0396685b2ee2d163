// The seed's `action`, `internalAction`, `mutation` and `internalMutation`: definitions whose args are
// an object of validators and whose name comes from their module and export when registered.
// Public ones may also be called from outside (`POST /api/functions/{name}`); internal ones may not.
import type { z } from "zod";
import { appDb, defineAction, defineMutation, NonRetryableError, type ActionContext, type ActionDefinition, type MutationDefinition } from "../engine/index.ts";
import { issueSummary } from "../kernel/index.ts";
import { argsSchema, type ArgsOf, type ArgsSpec } from "./values.ts";

/** The app's D1 database (the `DB` binding): where app data lives. */
export type Database = D1Database;

/**
 * What an action or mutation receives: Stepwise's action context (`env`, `idempotencyKey`, `signal`,
 * `runMutation`, `runAction`) plus `db`, the app's D1 database.
 */
export interface ActionCtx extends ActionContext {
  readonly db: Database;
}
export type MutationCtx = ActionCtx;

interface FunctionSpec<A extends ArgsSpec | undefined, R> {
  /** Default: `${module}.${export}` when its module is registered. */
  name?: string;
  args?: A;
  /** Checked against what the handler returns. */
  returns?: z.ZodType<R>;
  handler: (ctx: ActionCtx, args: ArgsOf<A>) => Promise<R> | R;
}

/** A public action: side effects, at least once; also callable from outside. */
export function action<A extends ArgsSpec | undefined = undefined, R = unknown>(
  spec: FunctionSpec<A, R>,
): ActionDefinition<ArgsOf<A>, R> & { readonly visibility: "public" } {
  return defineAction({ ...options(spec, "public"), handler: handler(spec) }) as ActionDefinition<ArgsOf<A>, R> & { readonly visibility: "public" };
}

/** An action only steps, other functions, retriers and pools may call. */
export function internalAction<A extends ArgsSpec | undefined = undefined, R = unknown>(
  spec: FunctionSpec<A, R>,
): ActionDefinition<ArgsOf<A>, R> & { readonly visibility: "internal" } {
  return defineAction({ ...options(spec, "internal"), handler: handler(spec) }) as ActionDefinition<ArgsOf<A>, R> & { readonly visibility: "internal" };
}

/** A public mutation: a write made once per idempotency key (`ctx.idempotencyKey`); also callable from outside. */
export function mutation<A extends ArgsSpec | undefined = undefined, R = unknown>(
  spec: FunctionSpec<A, R>,
): MutationDefinition<ArgsOf<A>, R> & { readonly visibility: "public" } {
  return defineMutation({ ...options(spec, "public"), handler: handler(spec) }) as MutationDefinition<ArgsOf<A>, R> & { readonly visibility: "public" };
}

/** A mutation only steps, other functions, retriers and pools may call. */
export function internalMutation<A extends ArgsSpec | undefined = undefined, R = unknown>(
  spec: FunctionSpec<A, R>,
): MutationDefinition<ArgsOf<A>, R> & { readonly visibility: "internal" } {
  return defineMutation({ ...options(spec, "internal"), handler: handler(spec) }) as MutationDefinition<ArgsOf<A>, R> & {
    readonly visibility: "internal";
  };
}

function options<A extends ArgsSpec | undefined, R>(spec: FunctionSpec<A, R>, visibility: "public" | "internal") {
  return { ...(spec.name === undefined ? {} : { name: spec.name }), visibility, args: argsSchema(spec.args) };
}

function handler<A extends ArgsSpec | undefined, R>(spec: FunctionSpec<A, R>) {
  return async (ctx: ActionContext, args: unknown): Promise<R> => {
    // SAFETY: args were parsed by argsSchema(spec.args), whose output is ArgsOf<A>.
    const result = await spec.handler(withDb(ctx), args as ArgsOf<A>);
    if (spec.returns === undefined) return result;
    const checked = spec.returns.safeParse(result);
    if (!checked.success) {
      throw new NonRetryableError(`the handler's result does not match "returns": ${issueSummary(checked.error)}`, { code: "function.invalid_result" });
    }
    return checked.data;
  };
}

/** `ctx` with `db`: the `DB` binding, looked up when first used (a function that never writes needs none). */
export function withDb<C extends { readonly env: Env }>(ctx: C): C & { readonly db: Database } {
  // SAFETY: the getter below is the `db` the cast adds.
  return Object.defineProperty({ ...ctx }, "db", { enumerable: true, get: () => appDb(ctx.env) }) as C & { readonly db: Database };
}
