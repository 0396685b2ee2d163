// defineWorkflow / defineAction / defineMutation: typed definitions from zod schemas.
// Generics live here at the edge; the engine inside works on the erased `AnyWorkflow` shape.
import type { z } from "zod";
import { StepwiseError } from "../kernel/index.ts";
import type { RetryOption } from "./core/retry.ts";
import { checkFlowControl, type FlowControl } from "./flow.ts";
import type {
  ActionContext,
  ActionDefinition,
  DefinitionLike,
  MutationDefinition,
  OnCompleteContext,
  RunOutcome,
  StepContext,
  Visibility,
  WorkflowDefinition,
} from "./workflow-api.ts";

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
  /** Default: `${module}.${export}`, given when its module is registered (see `Registry`). */
  name?: string;
  /** A positive integer, 1 when not given: register several versions of one name to keep old runs on old code (see README, Workflow versions). */
  version?: number;
  /** How long a finished run is kept, in days (default `STEPWISE_RETENTION_DAYS`, else 30). */
  retentionDays?: number;
  args: Schema;
  returns?: z.ZodType<Result>;
  retry?: RetryOption;
  handler: (step: StepContext, args: z.output<Schema>) => Promise<Result>;
  onComplete?: (ctx: OnCompleteContext, outcome: RunOutcome<Result>, args: z.output<Schema>) => Promise<void> | void;
  /** At most `limit` runs per key at once; the others wait in line (`queued`) and start as slots free. */
  concurrency?: FlowControl<z.output<Schema>>["concurrency"];
  /** At most `limit` runs per key start in any `period` ms; the others wait in line (`queued`). */
  throttle?: FlowControl<z.output<Schema>>["throttle"];
  /** Starts per key within `period` ms of each other collapse into one run, with the last start's args. */
  debounce?: FlowControl<z.output<Schema>>["debounce"];
  /** At most `limit` runs per key start in any `period` ms; a start past it is refused (`run.rate_limited`). */
  rateLimit?: FlowControl<z.output<Schema>>["rateLimit"];
}): WorkflowDefinition<Schema, Result> {
  if (def.version !== undefined && !(Number.isSafeInteger(def.version) && def.version >= 1)) {
    throw new TypeError(`workflow "${def.name ?? "(unnamed)"}": version must be a positive integer, not ${String(def.version)}`);
  }
  if (def.retentionDays !== undefined && !(Number.isFinite(def.retentionDays) && def.retentionDays >= 0)) {
    throw new TypeError(`workflow "${def.name ?? "(unnamed)"}": retentionDays must be a number of days >= 0`);
  }
  // SAFETY: the rules' key expressions take the parsed args, which is what the run object gives them.
  checkFlowControl(def.name ?? "(unnamed)", def as FlowControl);
  return named({ type: "workflow", ...def, name: def.name ?? "" }, def.name);
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
  /** Default: `${module}.${export}`, given when its module is registered (see `Registry`). */
  name?: string;
  /** `public`: also callable from outside (`POST /api/functions/{name}`). Default `internal`. */
  visibility?: Visibility;
  args: Schema;
  handler: (ctx: ActionContext, args: z.output<Schema>) => Promise<Result> | Result;
}): ActionDefinition<z.output<Schema>, Result> {
  // SAFETY: z.output<Schema> is what `args.parse` returns; the step parses before calling.
  return named({ type: "action", ...def, name: def.name ?? "" }, def.name) as unknown as ActionDefinition<z.output<Schema>, Result>;
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
  /** Default: `${module}.${export}`, given when its module is registered (see `Registry`). */
  name?: string;
  /** `public`: also callable from outside (`POST /api/functions/{name}`). Default `internal`. */
  visibility?: Visibility;
  args: Schema;
  handler: (ctx: ActionContext, args: z.output<Schema>) => Promise<Result> | Result;
}): MutationDefinition<z.output<Schema>, Result> {
  // SAFETY: as in defineAction.
  return named({ type: "mutation", ...def, name: def.name ?? "" }, def.name) as unknown as MutationDefinition<z.output<Schema>, Result>;
}

/** What a workflow's, action's or mutation's name may be (a workflow's appears in URLs: `/api/workflows/:name/runs`). */
export const WORKFLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function assertName(name: string, what: string): void {
  if (!WORKFLOW_NAME_PATTERN.test(name)) {
    throw new TypeError(`${what} name "${name}" must be 1-100 characters of letters, digits, '_', '.', '-'`);
  }
}

/**
 * Definitions no registry has registered yet, with what they look like and where they were made: at
 * load, `Registry.assertNoneForgotten` refuses a deployment that leaves one out (an unnamed one could
 * never be found by name; a named one would run from a step, but not from a retrier, a pool or a
 * reference). Named definitions are tracked until that check ran once (the Worker's modules are loaded
 * by then; one made later, in a handler, is not a forgotten export); unnamed ones always, for `nameOf`.
 */
const unregistered = new Map<DefinitionLike, string>();
let loaded = false;

function named<D extends DefinitionLike>(def: D, name: string | undefined): D {
  if (name !== undefined) assertName(name, def.type);
  if (name === undefined || !loaded) unregistered.set(def, describe(def, name));
  return def;
}

/** Gives an unnamed definition its registered name (once); false when it already has one. */
export function nameDefinition(def: DefinitionLike, name: string): boolean {
  if (def.name !== "") return false;
  assertName(name, def.type);
  // SAFETY: `name` is readonly to users; the registry names a definition once, before any run uses it.
  (def as { name: string }).name = name;
  return true;
}

/** A registry took the definition. */
export function markRegistered(def: DefinitionLike): void {
  unregistered.delete(def);
}

/** The definitions no registry took, described by kind, name or args, and where they were made; ends the tracking of named ones. */
export function unregisteredDefinitions(): string[] {
  loaded = true;
  return [...unregistered.values()];
}

/** A definition's name, or a clear error for one never registered (it has none). */
export function nameOf(def: DefinitionLike): string {
  if (def.name !== "") return def.name;
  throw new StepwiseError(
    "function.not_registered",
    `${unregistered.get(def) ?? `an unnamed ${def.type}`} has no name: export it from a module given to createStepwise({ modules }), or give it a name`,
  );
}

function describe(def: DefinitionLike & { args?: unknown }, name: string | undefined): string {
  const shape = (def.args as { shape?: Record<string, unknown> } | undefined)?.shape;
  const args = shape === undefined ? "" : ` with args { ${Object.keys(shape).join(", ")} }`;
  const what = name === undefined ? `an unnamed ${def.type}${args}` : `the ${def.type} "${name}"`;
  // The first stack frame outside this file is the define call's caller (file names survive in tests
  // and under `wrangler dev`; a deployed bundle shows the bundle's line instead).
  const frame = new Error().stack
    ?.split("\n")
    .slice(1)
    .find((line) => !/define\.ts|\/convex\/|agents\/agent\.ts/.test(line));
  const at = frame === undefined ? "" : ` (${frame.trim().replace(/^at\s+/, "")})`;
  return `${what}${at}`;
}
