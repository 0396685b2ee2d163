// Sends a message to a queue whose trigger starts runs (`POST /api/queues/:queue/messages`): a way to try
// a trigger locally, and to feed a queue from outside Cloudflare. The body is sent as given, unchecked,
// so a bad one takes the consumer's dead-letter path as it would from any producer.
import { Hono } from "hono";
import { z } from "zod";
import { StepwiseError } from "../../engine/index.ts";
import { QUEUE_NAME_PATTERN, queueBinding, type QueueTrigger, type QueueTriggers } from "../../triggers/index.ts";
import { jsonBody, params } from "../validators.ts";

export const QueueName = z.string().regex(QUEUE_NAME_PATTERN, "1-63 lowercase letters, digits and dashes");

export const QueueMessageBody = z.object({
  body: z
    .unknown()
    .refine((v) => v !== undefined, "the message body is required (the workflow's args)")
    .describe("The message body: the args of the workflow the queue's trigger starts. Not checked here: the consumer checks it and dead-letters a bad one"),
  delaySeconds: z.number().int().min(0).max(43_200).optional().describe("Deliver the message this many seconds later (at most 12 hours)"),
});
export const QueueSendResponse = z.object({ queue: z.string(), sent: z.literal(true) });

export function queueRoutes(triggers: QueueTriggers) {
  return new Hono<{ Bindings: Env }>().post("/queues/:queue/messages", params(z.object({ queue: QueueName })), jsonBody(QueueMessageBody), async (c) => {
    const { queue } = c.req.valid("param");
    const { body, delaySeconds } = c.req.valid("json");
    await producer(c.env, triggers.get(queue), queue).send(body, { contentType: "json", ...(delaySeconds === undefined ? {} : { delaySeconds }) });
    return c.json({ queue, sent: true as const }, 202);
  });
}

function producer(env: Env, trigger: QueueTrigger | undefined, queue: string): Queue {
  if (trigger?.producer === undefined) throw new StepwiseError("queue.not_found", `no queue trigger for "${queue}" names its producer binding`);
  const binding = queueBinding(env, trigger.producer);
  if (binding === undefined) {
    throw new StepwiseError(
      "queue.not_found",
      `the producer binding ${trigger.producer} of the queue "${queue}" is not bound to this Worker (wrangler.toml [[queues.producers]])`,
    );
  }
  return binding;
}
