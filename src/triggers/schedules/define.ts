// defineSchedule: a schedule in code, checked where it is written (a bad cron, time zone or args throws
// a TypeError naming the field), registered by exporting it from a module given to createStepwise.
import type { z } from "zod";
import { issueDetails } from "../../kernel/index.ts";
import { isDefinition, referencePath, type FunctionReference, type WorkflowDefinition } from "../../engine/index.ts";
import { ScheduleInput, type CatchUp, type Overlap, type ScheduleSpec } from "./core/index.ts";

const SCHEDULE = Symbol.for("stepwise.schedule");

/** A workflow as a schedule may name it: its definition, a reference, or its registered name. */
export type ScheduledWorkflow = WorkflowDefinition<any, any> | FunctionReference<"workflow"> | string;

export interface ScheduleOptions<W> {
  /** The schedule's name: its object's and the prefix of its runs' ids (`sched:<name>:<instant>`). */
  name: string;
  workflow: W;
  /** 5 fields (`30 2 * * *`), or 6 with a leading seconds field (`*\/5 * * * * *`). */
  cron: string;
  /** The IANA time zone the cron is read in (default "UTC"). */
  timezone?: string;
  /** The args of every run (default `{}`), checked against the workflow's schema. */
  args?: W extends WorkflowDefinition<infer S, any> ? z.input<S> : unknown;
  /** When the previous run is still live (default "skip"). */
  overlap?: Overlap;
  /** After downtime (default "latest"). */
  catchUp?: CatchUp;
  /** catchUp "all": at most this many missed instants fire, oldest first (default 10). */
  catchUpLimit?: number;
}

export interface ScheduleDefinition {
  readonly [SCHEDULE]: true;
  readonly name: string;
  readonly workflow: ScheduledWorkflow;
  /** The checked options, the workflow given as above (resolved to its name at registration). */
  readonly options: Omit<ScheduleSpec, "workflow">;
}

/**
 * A schedule that starts runs of `workflow` at every instant of `cron` in `timezone`.
 * @example
 * export const morningDigest = defineSchedule({
 *   name: "morning-digest",
 *   workflow: digest,
 *   cron: "0 9 * * 1-5",
 *   timezone: "Europe/Paris",
 *   args: { inbox: "support" },
 * });
 */
export function defineSchedule<W extends ScheduledWorkflow>(def: ScheduleOptions<W>): ScheduleDefinition {
  const { workflow, ...rest } = def;
  // The workflow's name may not be known yet (an unnamed definition takes its module path when registered).
  const parsed = ScheduleInput.safeParse({ ...rest, workflow: "-" });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.join(".") || "schedule";
    throw new TypeError(`schedule "${String(def.name)}": ${field}: ${first?.message ?? "invalid"}`);
  }
  if (isDefinition(workflow) && workflow.type === "workflow") {
    const args = workflow.args.safeParse(parsed.data.args);
    if (!args.success) throw new TypeError(`schedule "${def.name}": args: ${describeIssues(args.error)}`);
  } else if (typeof workflow !== "string" && referencePath(workflow) === undefined) {
    throw new TypeError(`schedule "${def.name}": workflow: give a workflow definition, a reference to one, or its name`);
  }
  const { workflow: _placeholder, ...options } = parsed.data;
  return { [SCHEDULE]: true, name: parsed.data.name, workflow, options };
}

export function isSchedule(value: unknown): value is ScheduleDefinition {
  return typeof value === "object" && value !== null && (value as { [SCHEDULE]?: unknown })[SCHEDULE] === true;
}

/** "at args.city: expected string": each failing path under args. */
export function describeIssues(error: z.ZodError): string {
  return issueDetails(error)
    .issues.map((i) => `${["args", ...i.path].join(".")}: ${i.message}`)
    .join("; ");
}
