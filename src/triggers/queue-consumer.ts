// The Worker's `queue` handler: each message of a batch starts its trigger's run, concurrently, and is
// acknowledged or retried on its own. Bad messages go to the trigger's dead-letter queue, never nowhere.
import { createClient, type Registry, type StepwiseClient, versionOf } from "../engine/index.ts";
import { log, loggedError, type SerializedError } from "../kernel/index.ts";
import { deadLetter, failureOutcome, messageRunKey, nonJsonBody, retryDelaySeconds } from "./core/index.ts";
import { queueBinding, type QueueTrigger, type QueueTriggers } from "./queue-trigger.ts";

export type QueueHandler = (batch: MessageBatch, env: Env, ctx: ExecutionContext) => Promise<void>;

/**
 * The `queue` export of a Worker whose consumers feed `triggers`. A message's run id derives from its
 * queue and id, so a redelivered message starts nothing new; its run is there, and it is acknowledged.
 * @example
 * export default { fetch: stepwise.app.fetch, queue: stepwise.queue } satisfies ExportedHandler<Env>;
 */
export function createQueueHandler(registry: Registry, triggers: QueueTriggers): QueueHandler {
  return async (batch, env) => {
    const trigger = triggers.get(batch.queue);
    if (trigger === undefined) {
      // A consumer with no trigger is a deployment mistake: nothing here knows its dead-letter queue, so
      // the messages wait for a fixed deployment, and after max_retries the consumer's dead_letter_queue.
      log.error("no queue trigger for this queue; its messages are retried", { queue: batch.queue, messages: batch.messages.length, code: "queue.no_trigger" });
      for (const message of batch.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts, Math.random()) });
      return;
    }
    const client = createClient(env, registry);
    await Promise.all(batch.messages.map((message) => startFrom(message, trigger, client, env)));
  };
}

async function startFrom(message: Message, trigger: QueueTrigger, client: StepwiseClient, env: Env): Promise<void> {
  const fields = { queue: trigger.queue, messageId: message.id, attempt: message.attempts, workflow: trigger.workflow.name };
  try {
    const notJson = nonJsonBody(message.body);
    if (notJson !== undefined) throw notJson;
    const started = await client.startRun(trigger.workflow, message.body, {
      idempotencyKey: messageRunKey(trigger.queue, message.id),
      version: versionOf(trigger.workflow),
    });
    message.ack();
    log.info(started.created ? "a queue message started a run" : "a queue message came again; the run it started is kept", { ...fields, runId: started.runId });
  } catch (err) {
    const outcome = failureOutcome(err, message.attempts, Math.random());
    if (outcome.kind === "retry") {
      message.retry({ delaySeconds: outcome.delaySeconds });
      log.warn("starting a run from a queue message failed; the message is retried", {
        ...fields,
        delaySeconds: outcome.delaySeconds,
        error: loggedError(err),
      });
      return;
    }
    await sendToDeadLetters(message, trigger, outcome.error, env);
  }
}

async function sendToDeadLetters(message: Message, trigger: QueueTrigger, error: SerializedError, env: Env): Promise<void> {
  // Codes and field paths only: a message's text may quote the body, which is the user's data.
  const fields = { queue: trigger.queue, messageId: message.id, attempt: message.attempts, workflow: trigger.workflow.name, code: error.code };
  const letter = deadLetter(trigger.queue, trigger.workflow.name, message, error);
  const dlq = queueBinding(env, trigger.deadLetter);
  const retry = { delaySeconds: retryDelaySeconds(message.attempts, Math.random()) };
  if (dlq === undefined) {
    message.retry(retry);
    log.error(
      trigger.deadLetter === undefined
        ? "a queue message no run can start from is retried: its trigger has no deadLetter"
        : "a queue message no run can start from is retried: the trigger's deadLetter is not a queue binding of this Worker",
      { ...fields, deadLetter: trigger.deadLetter, paths: letter.error.errors?.map((e) => e.path) },
    );
    return;
  }
  try {
    // JSON when the body is, so the dead letter reads anywhere (the dashboard, a pull consumer); else v8,
    // which carries the body exactly as it came.
    await dlq.send(letter, { contentType: error.code === "queue.body_not_json" ? "v8" : "json" });
  } catch (err) {
    message.retry(retry);
    log.error("sending a queue message to its dead-letter queue failed; the message is retried", {
      ...fields,
      deadLetter: trigger.deadLetter,
      error: loggedError(err),
    });
    return;
  }
  message.ack();
  log.warn("a queue message no run can start from was dead-lettered", {
    ...fields,
    deadLetter: trigger.deadLetter,
    paths: letter.error.errors?.map((e) => e.path),
  });
}
