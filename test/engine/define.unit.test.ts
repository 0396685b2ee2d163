// The public type surface of definitions, checked by tsc (`npm run typecheck`): a handler's args come
// from its zod schema, a run's result from its handler (or `returns`), a step's result from its action.
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineAction, defineMutation, defineWorkflow } from "../../src/engine/define.ts";
import type { ActionDefinition, MutationDefinition, RunOutcome, StepContext, WorkflowDefinition } from "../../src/engine/workflow-api.ts";

/** The run's result type of a workflow definition. */
type ResultOf<W> = W extends WorkflowDefinition<z.ZodType, infer R> ? R : never;

const forecast = defineAction({
  name: "forecast",
  args: z.object({ city: z.string(), days: z.number().int().default(3) }),
  handler: async (_ctx, { city, days }) => ({ city, highs: Array.from({ length: days }, () => 20) }),
});

const deposit = defineMutation({
  name: "deposit",
  args: z.object({ account: z.string(), cents: z.number() }),
  handler: (ctx, { cents }) => ({ key: ctx.idempotencyKey, cents }),
});

describe("defineWorkflow", () => {
  it("types the handler's args as the args schema's output", () => {
    defineWorkflow({
      name: "args-from-schema",
      args: z.object({ city: z.string(), days: z.number().default(3), units: z.enum(["c", "f"]).optional() }),
      handler: async (step, args) => {
        expectTypeOf(step).toEqualTypeOf<StepContext>();
        expectTypeOf(args).toEqualTypeOf<{ city: string; days: number; units?: "c" | "f" | undefined }>();
      },
    });
  });

  it("types the run's result as what the handler returns", () => {
    const greet = defineWorkflow({
      name: "result-from-handler",
      args: z.object({ name: z.string() }),
      handler: async (_step, { name }) => ({ greeting: `hello ${name}`, length: name.length }),
      onComplete: (_ctx, outcome) => {
        expectTypeOf(outcome).toEqualTypeOf<RunOutcome<{ greeting: string; length: number }>>();
      },
    });
    expectTypeOf<ResultOf<typeof greet>>().toEqualTypeOf<{ greeting: string; length: number }>();
  });

  it("types the run's result from `returns` when given, and refuses a handler that returns something else", () => {
    const verdict = defineWorkflow({
      name: "result-from-returns",
      args: z.object({}),
      returns: z.enum(["approve", "reject"]),
      handler: async () => "approve" as const,
    });
    expectTypeOf<ResultOf<typeof verdict>>().toEqualTypeOf<"approve" | "reject">();

    defineWorkflow({
      name: "result-not-returns",
      args: z.object({}),
      returns: z.object({ approved: z.boolean() }),
      // @ts-expect-error: `approved` must be a boolean, as `returns` says
      handler: async () => ({ approved: "yes" }),
    });
  });

  it("types a child run's args as the schema's input and its result as the child's result", () => {
    const child = defineWorkflow({
      name: "child",
      args: z.object({ n: z.number(), scale: z.number().default(1) }),
      handler: async (_step, { n, scale }) => n * scale,
    });
    defineWorkflow({
      name: "parent",
      args: z.object({}),
      handler: async (step) => {
        const result = await step.runWorkflow(child, { n: 2 });
        expectTypeOf(result).toEqualTypeOf<number>();
        // @ts-expect-error: `n` is required by the child's schema
        await step.runWorkflow(child, { scale: 2 });
        return result;
      },
    });
  });
});

describe("step.runAction and step.runMutation", () => {
  it("type definitions from the schema's output and the handler's result", () => {
    expectTypeOf(forecast).toEqualTypeOf<ActionDefinition<{ city: string; days: number }, { city: string; highs: number[] }>>();
    expectTypeOf(deposit).toEqualTypeOf<MutationDefinition<{ account: string; cents: number }, { key: string; cents: number }>>();
  });

  it("type a step's result from the action's definition, and check its args", () => {
    defineWorkflow({
      name: "typed-steps",
      args: z.object({ city: z.string() }),
      handler: async (step, { city }) => {
        const weather = await step.runAction(forecast, { city, days: 2 });
        expectTypeOf(weather).toEqualTypeOf<{ city: string; highs: number[] }>();
        const receipt = await step.runMutation(deposit, { account: "a-1", cents: 100 }, { name: "pay" });
        expectTypeOf(receipt).toEqualTypeOf<{ key: string; cents: number }>();

        // @ts-expect-error: `city` must be a string
        await step.runAction(forecast, { city: 1, days: 2 });
        // @ts-expect-error: a mutation's args are its schema's, not another's
        await step.runMutation(deposit, { city });
        // @ts-expect-error: an action is not a mutation
        await step.runMutation(forecast, { city, days: 2 });
        return weather.highs;
      },
    });
  });
});
