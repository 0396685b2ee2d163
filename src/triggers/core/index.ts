// The triggers layer's runtime-free entry point: what the queue consumer decides for a message, tested
// in Node. Everything here is also exported by ../index.ts.
export { DEAD_LETTER_FORMAT, DeadLetter, DeadLetterError, deadLetter, MAX_DEAD_LETTER_ERRORS, type DeadMessage } from "./dead-letter.ts";
export { nonJsonBody } from "./json-body.ts";
export { failureOutcome, messageRunKey, QUEUE_RETRY, retryDelaySeconds, type Outcome } from "./queue-outcome.ts";
