// defineWorkflow / defineAction / defineMutation: typed definitions from zod schemas.
// Generics live here at the edge; the engine inside works on the erased `AnyWorkflow` shape.
import type { z } from "zod";
import type { RetryOption } from "./core/retry.ts";
import type { ActionContext, ActionDefinition, MutationDefinition, OnCompleteContext, RunOutcome, StepContext, WorkflowDefinition } from "./workflow-api.ts";

/**
 * Defines a durable workflow. The handler's args are typed from the `args` schema.
 * @example
 * export const greet = defineWorkflow({
 *   name: "greet",
 *   args: z.object({ name: z.string() }),
 *   handler: async (step, { name }) => {
 *     await step.sleep(1000);
 *     return await step.run("hello", () => `hello ${name}`);
 *   },
 * });
 */
export function defineWorkflow<Schema extends z.ZodType, Result>(def: {
  name: string;
  args: Schema;
  returns?: z.ZodType<Result>;
  retry?: RetryOption;
  handler: (step: StepContext, args: z.output<Schema>) => Promise<Result>;
  onComplete?: (ctx: OnCompleteContext, outcome: RunOutcome<Result>, args: z.output<Schema>) => Promise<void> | void;
}): WorkflowDefinition<Schema, Result> {
  assertName(def.name, "workflow");
  return { type: "workflow", ...def };
}

/**
 * Defines an action: side effects, at-least-once, its result journaled by the step that runs it.
 * @example
 * export const fetchWeather = defineAction({
 *   name: "fetchWeather",
 *   args: z.object({ city: z.string() }),
 *   handler: async (ctx, { city }) => (await fetch(`https://wttr.in/${city}`, { signal: ctx.signal })).text(),
 * });
 */
export function defineAction<Schema extends z.ZodType, Result>(def: {
  name: string;
  args: Schema;
  handler: (ctx: ActionContext, args: z.output<Schema>) => Promise<Result> | Result;
}): ActionDefinition<z.output<Schema>, Result> {
  assertName(def.name, "action");
  // SAFETY: z.output<Schema> is what `args.parse` returns; the step parses before calling.
  return { type: "action", ...def } as unknown as ActionDefinition<z.output<Schema>, Result>;
}

/**
 * Defines a mutation: a state change applied exactly once, deduplicated by `ctx.idempotencyKey`.
 * @example
 * export const notify = defineMutation({
 *   name: "notify",
 *   args: z.object({ userId: z.string(), message: z.string() }),
 *   handler: async (ctx, args) => env.INBOX.getByName(args.userId).deliver(ctx.idempotencyKey, args.message),
 * });
 */
export function defineMutation<Schema extends z.ZodType, Result>(def: {
  name: string;
  args: Schema;
  handler: (ctx: ActionContext, args: z.output<Schema>) => Promise<Result> | Result;
}): MutationDefinition<z.output<Schema>, Result> {
  assertName(def.name, "mutation");
  // SAFETY: as in defineAction.
  return { type: "mutation", ...def } as unknown as MutationDefinition<z.output<Schema>, Result>;
}

/**
 * The seed's spelling: `new WorkflowManager().define({...})` is `defineWorkflow({...})`.
 * @example
 * const workflow = new WorkflowManager();
 * export const support = workflow.define({ name: "support", args: z.object({ prompt: z.string() }), handler: ... });
 */
export class WorkflowManager {
  define = defineWorkflow;
}

/** What a workflow's, action's or mutation's name may be (a workflow's appears in URLs: `/api/workflows/:name/runs`). */
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function assertName(name: string, what: string): void {
  if (!WORKFLOW_NAME_PATTERN.test(name)) {
    throw new TypeError(`${what} name "${name}" must be 1-100 characters of letters, digits, '_', '.', '-'`);
  }
}
