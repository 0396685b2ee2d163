// Flow control: how a workflow's runs share capacity. A workflow may declare, each keyed by an expression
// over its args, a concurrency limit or a throttle (runs past it wait in line, `queued`), a debounce (a
// burst of starts collapses into one run with the last args) and a rate limit (starts past it are
// refused). The lines live in Workpool objects, one per workflow, rule and key: the run object asks
// its gate (FlowGates, given by the components layer) and the pool admits it when its turn comes.
import { z } from "zod";
import { sha256Hex, StepwiseError, type RpcResult } from "../kernel/index.ts";

/** An expression over the run's parsed args naming its line; runs with the same key share the limit. */
export type FlowKey<Args> = (args: Args) => string | number;

export interface FlowControl<Args = unknown> {
  /** At most `limit` runs of one key at once, from their start to their end; the others wait in line, in order. */
  concurrency?: { key?: FlowKey<Args>; limit: number };
  /** At most `limit` runs of one key start in any `period` (ms); the others wait in line, in order. */
  throttle?: { key?: FlowKey<Args>; limit: number; period: number };
  /**
   * Starts of one key within `period` (ms) of each other collapse into one run, which starts `period` after
   * the last of them (at the latest `maxWait` after the first) with the last start's args.
   */
  debounce?: { key?: FlowKey<Args>; period: number; maxWait?: number };
  /** At most `limit` runs of one key start in any `period` (ms); a start past it is refused (`run.rate_limited`). */
  rateLimit?: { key?: FlowKey<Args>; limit: number; period: number };
}

export type FlowKind = "concurrency" | "throttle" | "debounce";

/** The line a run waits in, as the run stores it: its rule, the pool that holds the line, and the key. */
export const FlowLine = z.object({
  kind: z.enum(["concurrency", "throttle", "debounce"]),
  pool: z.string(),
  key: z.string(),
  /** Slots of the line (concurrency, throttle); 1 for a debounce. */
  limit: z.number().int(),
  /** How long an admitted run keeps its slot: a throttle's period; null for as long as the run lives. */
  holdMs: z.number().nullable(),
  /** A debounce's quiet period and longest wait. */
  periodMs: z.number().nullable(),
  maxWaitMs: z.number().nullable(),
});
export type FlowLine = z.infer<typeof FlowLine>;

/** A pool slot's reference as the gates take it. */
export interface GateRef {
  pool: string;
  limit: number;
}

/** What the run object asks of the lines. The components layer implements it over Workpool objects. */
export interface FlowGates {
  /** Puts the run in line (idempotent by run id): admitted at once when a slot is free and nobody waits. */
  enqueue(env: Env, gate: GateRef & { holdMs: number | null }, runId: string): Promise<RpcResult<{ admitted: boolean; position: number }>>;
  /** Takes a start from a rate limit's window, or answers when the next one frees. Idempotent by run id. */
  take(env: Env, gate: GateRef & { periodMs: number }, runId: string): Promise<RpcResult<{ taken: true } | { taken: false; retryAfterMs: number }>>;
  /** Joins the key's open burst (its run id answers) or opens one for `runId`; `args` is the encoded args. */
  debounce(
    env: Env,
    gate: GateRef & { periodMs: number; maxWaitMs: number | null },
    runId: string,
    args: string,
  ): Promise<RpcResult<{ runId: string; created: boolean }>>;
  /** How many runs are ahead of this one in its line; null when it is not waiting there. */
  position(env: Env, pool: string, runId: string): Promise<RpcResult<{ position: number | null; dueAt: number | null }>>;
  /** Leaves the line, or gives back the slot (idempotent). */
  leave(env: Env, pool: string, runId: string): Promise<RpcResult<{ left: boolean }>>;
}

/** What the pool sends a run whose turn came: the debounced args replace the run's own. */
export const AdmitInput = z.object({ pool: z.string(), args: z.string().optional() });
export type AdmitInput = z.input<typeof AdmitInput>;

const Limit = z.number().int().min(1).max(10_000);
const Period = z
  .number()
  .int()
  .min(100)
  .max(31 * 24 * 60 * 60 * 1000);
const Key = z.custom<FlowKey<unknown>>((v) => typeof v === "function", "key must be a function of the args");
const FlowControlShape = z
  .object({
    concurrency: z.strictObject({ key: Key.optional(), limit: Limit }).optional(),
    throttle: z.strictObject({ key: Key.optional(), limit: Limit, period: Period }).optional(),
    debounce: z.strictObject({ key: Key.optional(), period: Period, maxWait: Period.optional() }).optional(),
    rateLimit: z.strictObject({ key: Key.optional(), limit: Limit, period: Period }).optional(),
  })
  .refine((f) => [f.concurrency, f.throttle, f.debounce].filter((r) => r !== undefined).length <= 1, {
    message: "a workflow waits in one line: give at most one of concurrency, throttle and debounce (a rateLimit goes with any)",
  });

/** Checks a definition's flow options when it is defined: a TypeError names the field. */
export function checkFlowControl(name: string, flow: FlowControl): void {
  const parsed = FlowControlShape.safeParse(flow);
  if (parsed.success) {
    const d = flow.debounce;
    if (d?.maxWait !== undefined && d.maxWait < d.period) throw new TypeError(`workflow "${name}": debounce.maxWait must be at least debounce.period`);
    return;
  }
  const issue = parsed.error.issues[0]!;
  const path = issue.path.join(".");
  throw new TypeError(`workflow "${name}": ${path === "" ? "" : `${path}: `}${issue.message}`);
}

/** Whether a workflow declares any flow control. */
export function hasFlowControl(flow: FlowControl | undefined): flow is FlowControl {
  return flow !== undefined && (flow.concurrency ?? flow.throttle ?? flow.debounce ?? flow.rateLimit) !== undefined;
}

/** The key a rule gives these args ("" without a key expression); a key expression that fails is the start's error. */
export function flowKey(rule: { key?: FlowKey<unknown> }, args: unknown, field: string): string {
  if (rule.key === undefined) return "";
  let key: unknown;
  try {
    key = rule.key(args);
  } catch (err) {
    throw new StepwiseError("run.flow_key_failed", `the ${field}.key expression threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  if ((typeof key !== "string" && typeof key !== "number") || String(key).length > 500) {
    throw new StepwiseError("run.flow_key_failed", `the ${field}.key expression must return a string or number of at most 500 characters`);
  }
  return String(key);
}

/**
 * The pool that holds a rule's line for one key: named by a hash of the workflow, the rule and the key,
 * so any key fits a pool name and each line has its own object.
 */
export async function flowPoolName(workflow: string, rule: FlowKind | "rateLimit", key: string): Promise<string> {
  return `flow:${(await sha256Hex(`${workflow}\n${rule}\n${key}`)).slice(0, 32)}`;
}

/** The line a run of this workflow waits in with these args, if it waits in one. */
export async function flowLine(workflow: string, flow: FlowControl, args: unknown): Promise<FlowLine | null> {
  if (flow.concurrency !== undefined) {
    const key = flowKey(flow.concurrency, args, "concurrency");
    const pool = await flowPoolName(workflow, "concurrency", key);
    return { kind: "concurrency", pool, key, limit: flow.concurrency.limit, holdMs: null, periodMs: null, maxWaitMs: null };
  }
  if (flow.throttle !== undefined) {
    const key = flowKey(flow.throttle, args, "throttle");
    const pool = await flowPoolName(workflow, "throttle", key);
    return { kind: "throttle", pool, key, limit: flow.throttle.limit, holdMs: flow.throttle.period, periodMs: null, maxWaitMs: null };
  }
  if (flow.debounce !== undefined) {
    const key = flowKey(flow.debounce, args, "debounce");
    const pool = await flowPoolName(workflow, "debounce", key);
    return { kind: "debounce", pool, key, limit: 1, holdMs: null, periodMs: flow.debounce.period, maxWaitMs: flow.debounce.maxWait ?? null };
  }
  return null;
}
