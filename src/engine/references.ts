// Typed references to registered functions: `internal.agents.generate` names the export `generate` of
// the module registered as `agents`. The value is a proxy that only knows paths; the types come from
// the modules' types, so a module may refer to another (even to itself) with no import cycle at run time.
import type { z } from "zod";
import { FUNCTION_PATH, type ActionDefinition, type FunctionReference, type MutationDefinition, type WorkflowDefinition } from "./workflow-api.ts";

/** The reference type of one definition, or never for anything else. */
export type ReferenceTo<D> =
  D extends WorkflowDefinition<infer S, infer R>
    ? FunctionReference<"workflow", z.input<S>, R>
    : D extends ActionDefinition<infer A, infer R>
      ? FunctionReference<"action", A, R>
      : D extends MutationDefinition<infer A, infer R>
        ? FunctionReference<"mutation", A, R>
        : never;

type IsDefinition<D> = [ReferenceTo<D>] extends [never] ? false : true;
type PublicOnly<D> = D extends { readonly visibility: "public" } ? D : never;

/** One module's references: its exported definitions, or the definition itself when the module is one. */
type ModuleReferences<M, Filter extends "all" | "public"> =
  IsDefinition<M> extends true
    ? ReferenceTo<Filter extends "public" ? PublicOnly<M> : M>
    : { readonly [K in keyof M as IsDefinition<Filter extends "public" ? PublicOnly<M[K]> : M[K]> extends true ? K : never]: ReferenceTo<M[K]> };

/**
 * References to every definition of `Modules` (a record of module types, as given to `createStepwise`).
 * @example
 * // src/app/api.ts
 * import type { modules } from "./modules.ts";
 * export const { internal, api } = references<typeof modules>();
 */
export type ApiFromModules<Modules> = { readonly [K in keyof Modules]: ModuleReferences<Modules[K], "all"> };

/** Like ApiFromModules, with only the `public` actions and mutations (those callable from outside). */
export type PublicApiFromModules<Modules> = {
  readonly [K in keyof Modules as [keyof ModuleReferences<Modules[K], "public">] extends [never] ? never : K]: ModuleReferences<Modules[K], "public">;
};

/**
 * `internal` (every registered function) and `api` (the public ones) for the modules of a deployment.
 * Both are the same path proxy at run time; only their types differ.
 */
export function references<Modules>(): { internal: ApiFromModules<Modules>; api: PublicApiFromModules<Modules> } {
  // SAFETY: the proxy answers every property path with a reference to that path; the types above say
  // which paths exist, and the registry resolves (or refuses) each path when it is called.
  return { internal: anyApi as ApiFromModules<Modules>, api: anyApi as PublicApiFromModules<Modules> };
}

/** A reference to any path, untyped: `anyApi.agents.generate`. */
export const anyApi: Record<string, any> = pathProxy([]);

function pathProxy(path: readonly string[]): any {
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === FUNCTION_PATH) return path.length === 0 ? undefined : path.join(".");
        // Not a promise, not a primitive: `await ref` or `${ref}` must not invent paths.
        if (typeof prop === "symbol" || prop === "then" || prop === "toJSON") return undefined;
        return pathProxy([...path, prop]);
      },
    },
  );
}

/** A reference to the function registered at `path`, for code that names functions by string. */
export function referenceTo<Kind extends "workflow" | "action" | "mutation">(path: string): FunctionReference<Kind> {
  return { [FUNCTION_PATH]: path };
}
