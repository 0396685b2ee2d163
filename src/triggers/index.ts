// The triggers layer: what starts runs from outside a request. Queue triggers: a Cloudflare Queue's
// messages start runs of a workflow, once per message, with bad messages dead-lettered.
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
