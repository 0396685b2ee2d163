// The triggers layer: what starts runs besides an HTTP call or a parent. Queue triggers: a Cloudflare
// Queue's messages start runs of a workflow, once per message, with bad messages dead-lettered.
// Schedules: defineSchedule, the schedule Durable Object (one per schedule, driven by its alarm), the
// code schedules' sync, the API's calls.
export { DEAD_LETTER_FORMAT, DeadLetter, DeadLetterError, deadLetter, failureOutcome, messageRunKey, nonJsonBody, QUEUE_RETRY } from "./core/index.ts";
export { createQueueHandler, type QueueHandler } from "./queue-consumer.ts";
export {
  collectQueueTriggers,
  defineQueueTrigger,
  isQueueTrigger,
  QUEUE_NAME_PATTERN,
  queueBinding,
  type QueueBinding,
  type QueueMessageBody,
  type QueueTrigger,
  type QueueTriggers,
} from "./queue-trigger.ts";
export { defineSchedule, isSchedule, type ScheduleDefinition, type ScheduleOptions, type ScheduledWorkflow } from "./schedules/define.ts";
export { createScheduleObject } from "./schedules/object.ts";
export { ScheduleRegistry } from "./schedules/registry.ts";
export { scheduleRunEnded } from "./schedules/run-ended.ts";
export { hasSchedules, SCHEDULE_DIRECTORY, SCHEDULES_BINDING, scheduleNamespace, type ScheduleNamespace } from "./schedules/bindings.ts";
export { createSchedule, deleteSchedule, getSchedule, listSchedules, pauseSchedule, resumeSchedule, triggerSchedule } from "./schedules/client.ts";
export { FireView, ScheduleSummary, ScheduleView, TriggerResult, type ScheduleRpc } from "./schedules/rpc.ts";
export { RECENT_FIRES, FireOutcome } from "./schedules/store.ts";
export {
  CatchUp,
  DEFAULT_CATCH_UP_LIMIT,
  MAX_CATCH_UP_LIMIT,
  ON_TIME_GRACE_MS,
  Overlap,
  SCHEDULE_NAME,
  ScheduleInput,
  ScheduleName,
  scheduleRunId,
  type ScheduleSpec,
} from "./schedules/core/index.ts";
