// Declaring a queue trigger: names checked when it is defined, triggers found among the modules' exports
// when the Worker loads (one per queue, each for a registered workflow), and the message body typed.
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineWorkflow } from "../../src/engine/define.ts";
import { Registry } from "../../src/engine/registry.ts";
import { collectQueueTriggers, defineQueueTrigger, isQueueTrigger, type QueueMessageBody } from "../../src/triggers/queue-trigger.ts";

const greet = defineWorkflow({
  name: "trigger-unit-greet",
  args: z.object({ name: z.string(), times: z.number().default(1) }),
  handler: async (_step, { name }) => name,
});
const other = defineWorkflow({ name: "trigger-unit-other", args: z.object({}), handler: async () => null });
const registry = new Registry({ definitions: [greet] });

describe("defineQueueTrigger", () => {
  it("makes a trigger of a queue, a workflow and its bindings", () => {
    const trigger = defineQueueTrigger({ queue: "greetings", workflow: greet, deadLetter: "DEAD_LETTERS", producer: "SUPPORT_TICKETS" });
    expect(isQueueTrigger(trigger)).toBe(true);
    expect(trigger).toMatchObject({ queue: "greetings", workflow: greet, deadLetter: "DEAD_LETTERS", producer: "SUPPORT_TICKETS" });
    expect(isQueueTrigger({ queue: "greetings", workflow: greet })).toBe(false);
  });

  it.each([
    ["a queue name Cloudflare refuses", { queue: "Greetings_1", workflow: greet }, /not a queue name/],
    ["a workflow that is not one", { queue: "greetings", workflow: { type: "action" } }, /must be a workflow definition/],
    [
      "a binding name that is not an identifier",
      { queue: "greetings", workflow: greet, deadLetter: "dead-letters" },
      /deadLetter "dead-letters" is not a binding name/,
    ],
  ])("refuses %s", (_, opts, message) => {
    // SAFETY: the options are wrong on purpose, as JavaScript callers could pass them.
    expect(() => defineQueueTrigger(opts as unknown as Parameters<typeof defineQueueTrigger>[0])).toThrow(message);
  });

  it("types the message body as the workflow's args before defaults, and the bindings as the Worker's queues", () => {
    const trigger = defineQueueTrigger({ queue: "greetings", workflow: greet });
    expectTypeOf<QueueMessageBody<typeof trigger>>().toEqualTypeOf<{ name: string; times?: number | undefined }>();
    // @ts-expect-error: not a queue binding of the Worker (wrangler.toml), so not a dead-letter queue either
    defineQueueTrigger({ queue: "greetings", workflow: greet, deadLetter: "WORKFLOW_RUNS" });
  });
});

describe("collectQueueTriggers", () => {
  it("finds the triggers the modules export, and a module that is one, by queue name", () => {
    const a = defineQueueTrigger({ queue: "queue-a", workflow: greet });
    const b = defineQueueTrigger({ queue: "queue-b", workflow: greet });
    const triggers = collectQueueTriggers({ jobs: { a, greet, unrelated: 1 }, b }, registry);
    expect([...triggers]).toEqual([
      ["queue-a", a],
      ["queue-b", b],
    ]);
  });

  it("takes one trigger exported twice once, and refuses two triggers of one queue, naming both", () => {
    const a = defineQueueTrigger({ queue: "queue-a", workflow: greet });
    expect(collectQueueTriggers({ one: { a }, two: { again: a } }, registry).size).toBe(1);
    const b = defineQueueTrigger({ queue: "queue-a", workflow: greet });
    expect(() => collectQueueTriggers({ one: { a }, two: { b } }, registry)).toThrow('the queue "queue-a" has two triggers: one.a and two.b');
  });

  it("refuses a trigger whose workflow the registry does not hold", () => {
    const stray = defineQueueTrigger({ queue: "queue-c", workflow: other });
    expect(() => collectQueueTriggers({ jobs: { stray } }, registry)).toThrow(
      'the queue trigger jobs.stray starts the workflow "trigger-unit-other", which no module given to createStepwise registers',
    );
  });
});
