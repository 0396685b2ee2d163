import { DeadLetter, defineQueueTrigger, defineWorkflow, type QueueMessageBody } from "stepwise";
import { z } from "zod";

export const onboard = defineWorkflow({
  name: "onboard",
  args: z.object({ userId: z.string().min(1), plan: z.enum(["free", "pro"]).default("free") }),
  handler: async (step, { userId, plan }) => step.run("welcome", () => `Welcome, ${userId} (${plan})`),
});

// Each message on the "signups" queue starts one `onboard` run, with the message's body as its args.
export const signups = defineQueueTrigger({ queue: "signups", workflow: onboard, deadLetter: "DEAD_LETTERS", producer: "SIGNUPS" });

// A producer, anywhere in the Worker: the body is typed as the workflow's args.
export async function signUp(env: Env, userId: string) {
  const body: QueueMessageBody<typeof signups> = { userId };
  await env.SIGNUPS.send(body);
}

// A consumer of the dead-letter queue, should you give it one: each dead letter says why.
export function readDeadLetters(batch: MessageBatch) {
  for (const message of batch.messages) {
    const letter = DeadLetter.safeParse(message.body);
    // What Cloudflare itself moves there after max_retries is the original message, with no reason.
    if (letter.success) console.log(letter.data.messageId, letter.data.error.code, letter.data.error.errors);
    else console.log("retried out:", message.id);
    message.ack();
  }
}

// `npm run types` writes the queue bindings from wrangler.toml; this repository's wrangler.toml has no signups queue.
declare global {
  interface Env {
    SIGNUPS: Queue;
  }
  namespace Cloudflare {
    interface Env {
      SIGNUPS: Queue;
    }
  }
}
