// The schedules' Durable Object binding, found in `env` by name: one object per schedule, and one
// (SCHEDULE_DIRECTORY) that lists them.
import { StepwiseError } from "../../engine/index.ts";
import type { ScheduleRpc } from "./rpc.ts";

/** Binds `ScheduleObject`. */
export const SCHEDULES_BINDING = "SCHEDULES";

/** Not a valid schedule name (names start with a letter or digit), so no schedule can ever take this object. */
export const SCHEDULE_DIRECTORY = "~directory";

// Typed by the object's RPC surface, not its class: the class reaches other schedules through this.
export type ScheduleNamespace = DurableObjectNamespace<ScheduleRpc & Rpc.DurableObjectBranded>;

/** Whether the deployment binds schedules at all (a Worker without them still serves everything else). */
export function hasSchedules(env: object): boolean {
  // SAFETY: reads one property of the env object to see what it is.
  const ns = (env as Record<string, unknown>)[SCHEDULES_BINDING];
  return typeof ns === "object" && ns !== null && typeof (ns as { getByName?: unknown }).getByName === "function";
}

export function scheduleNamespace(env: object): ScheduleNamespace {
  if (!hasSchedules(env)) {
    throw new StepwiseError(
      "schedules.binding_missing",
      `the Durable Object binding ${SCHEDULES_BINDING} is missing: add it to wrangler.toml (see README, "Schedules")`,
    );
  }
  // SAFETY: hasSchedules checked it is a namespace; the deployment binds it to the ScheduleObject class.
  return (env as Record<string, unknown>)[SCHEDULES_BINDING] as ScheduleNamespace;
}
