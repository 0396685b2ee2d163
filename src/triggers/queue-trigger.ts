// Declares that a Cloudflare Queue's messages start runs of a workflow, each message's body being the
// run's args. A trigger is exported from a registered module, like a workflow; createStepwise finds it there.
import type { z } from "zod";
import type { AnyWorkflow, Registry, WorkflowDefinition } from "../engine/index.ts";

const TRIGGER = Symbol.for("stepwise.queueTrigger");
declare const BODY: unique symbol;

/** The Worker's queue producer bindings (`[[queues.producers]]`), by name: `npm run types` lists them. */
export type QueueBinding = { [K in keyof Cloudflare.Env]-?: Cloudflare.Env[K] extends Queue<unknown> ? K : never }[keyof Cloudflare.Env];

export interface QueueTrigger<Body = unknown> {
  readonly [TRIGGER]: true;
  /** Type only: what a message's body must be, the workflow's args (see QueueMessageBody). */
  readonly [BODY]?: Body;
  /** The queue's name, as `[[queues.consumers]] queue` in wrangler.toml. */
  readonly queue: string;
  readonly workflow: AnyWorkflow;
  /** The producer binding of the dead-letter queue that bad messages are sent to, with why they were refused. */
  readonly deadLetter?: QueueBinding | undefined;
  /** This queue's own producer binding: with it, `POST /api/queues/:queue/messages` sends to the queue. */
  readonly producer?: QueueBinding | undefined;
}

/** What a message on the trigger's queue carries: the args of its workflow, before the schema's defaults. */
export type QueueMessageBody<T> = T extends QueueTrigger<infer Body> ? Body : never;

/** A queue's name as Cloudflare allows it: lowercase letters, digits and dashes, at most 63. */
export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const BINDING_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Each message on `queue` starts a run of `workflow` with the message's body as its args, once per
 * message id (a redelivery finds the run it started). A message that no retry could start (args that
 * fail the schema, a body that is not JSON) goes to `deadLetter` with the reason, and is acknowledged.
 * Export the trigger from a module given to `createStepwise({ modules })`, and bind the queue's consumer
 * to this Worker in wrangler.toml.
 * @example
 * export const tickets = defineQueueTrigger({ queue: "support-tickets", workflow: support, deadLetter: "DEAD_LETTERS" });
 */
export function defineQueueTrigger<Schema extends z.ZodType, Result>(opts: {
  queue: string;
  workflow: WorkflowDefinition<Schema, Result>;
  deadLetter?: QueueBinding;
  producer?: QueueBinding;
}): QueueTrigger<z.input<Schema>> {
  if (!QUEUE_NAME_PATTERN.test(opts.queue))
    throw new TypeError(`queue trigger: "${opts.queue}" is not a queue name (1-63 lowercase letters, digits and dashes)`);
  if (opts.workflow?.type !== "workflow") throw new TypeError(`queue trigger for "${opts.queue}": workflow must be a workflow definition`);
  for (const [option, binding] of [
    ["deadLetter", opts.deadLetter],
    ["producer", opts.producer],
  ] as const) {
    if (binding !== undefined && !BINDING_NAME.test(binding))
      throw new TypeError(`queue trigger for "${opts.queue}": ${option} "${binding}" is not a binding name`);
  }
  // SAFETY: the consumer only passes the workflow args its schema accepted, so erasing Schema is sound.
  const workflow = opts.workflow as unknown as AnyWorkflow;
  return { [TRIGGER]: true, queue: opts.queue, workflow, deadLetter: opts.deadLetter, producer: opts.producer };
}

export function isQueueTrigger(value: unknown): value is QueueTrigger {
  // SAFETY: reads one symbol-keyed property, which only defineQueueTrigger sets.
  return typeof value === "object" && value !== null && (value as { [TRIGGER]?: unknown })[TRIGGER] === true;
}

/** The queue triggers of a deployment, by queue name. */
export type QueueTriggers = ReadonlyMap<string, QueueTrigger>;

/**
 * The triggers the modules export (a module may also be one trigger), checked when the Worker loads:
 * one trigger per queue, each for a workflow the registry holds.
 */
export function collectQueueTriggers(modules: Readonly<Record<string, unknown>>, registry: Registry): QueueTriggers {
  const found = new Map<string, { trigger: QueueTrigger; place: string }>();
  const add = (trigger: QueueTrigger, place: string) => {
    const taken = found.get(trigger.queue);
    if (taken?.trigger === trigger) return;
    if (taken !== undefined) throw new TypeError(`the queue "${trigger.queue}" has two triggers: ${taken.place} and ${place}`);
    const name = trigger.workflow.name;
    if (name === "" || !registry.versions(name).includes(trigger.workflow)) {
      throw new TypeError(`the queue trigger ${place} starts the workflow "${name || "(unnamed)"}", which no module given to createStepwise registers`);
    }
    found.set(trigger.queue, { trigger, place });
  };
  for (const [module, value] of Object.entries(modules)) {
    if (isQueueTrigger(value)) add(value, module);
    else if (typeof value === "object" && value !== null)
      for (const [exported, member] of Object.entries(value)) if (isQueueTrigger(member)) add(member, `${module}.${exported}`);
  }
  return new Map([...found].map(([queue, { trigger }]) => [queue, trigger]));
}

/** The queue producer bound as `binding` in the Worker's env; undefined when there is none by that name. */
export function queueBinding(env: Env, binding: string | undefined): Queue | undefined {
  if (binding === undefined) return undefined;
  // SAFETY: reads one named binding of the env; its kind is checked before it is used as a queue.
  const value = (env as unknown as Record<string, unknown>)[binding];
  return typeof value === "object" && value !== null && typeof (value as { send?: unknown }).send === "function" ? (value as Queue) : undefined;
}
