// The schedules' runtime-free part: cron instants, the spec and its checks, and the decisions.
export { dueInstants, nextInstant, parseCron } from "./cron.ts";
export { decideOverlap, ON_TIME_GRACE_MS, planCatchUp, scheduleRunId, type OverlapDecision } from "./plan.ts";
export {
  CatchUp,
  DEFAULT_CATCH_UP_LIMIT,
  MAX_CATCH_UP_LIMIT,
  Overlap,
  SCHEDULE_NAME,
  ScheduleInput,
  ScheduleName,
  specHash,
  StoredSpec,
  type ScheduleSpec,
} from "./spec.ts";
