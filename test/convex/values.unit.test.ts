// The seed's validators as zod schemas, and references typed from modules (checked by tsc).
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { argsSchema, v, type ArgsOf, type Id } from "../../src/convex/values.ts";
import { defineAction, defineMutation, defineWorkflow } from "../../src/engine/define.ts";
import { references } from "../../src/engine/references.ts";
import type { FunctionReference } from "../../src/engine/workflow-api.ts";

describe("v", () => {
  it("maps each validator to the zod schema that accepts the same values", () => {
    const args = argsSchema({
      name: v.string(),
      age: v.number(),
      admin: v.boolean(),
      userId: v.id("users"),
      nickname: v.optional(v.string()),
      tags: v.array(v.string()),
      role: v.union(v.literal("editor"), v.literal("viewer")),
      only: v.union(v.literal(1)),
      scores: v.record(v.string(), v.float64()),
      note: v.nullable(v.string()),
      anything: v.any(),
      none: v.null(),
    });
    const good = {
      name: "Ada",
      age: 36,
      admin: false,
      userId: "u_1",
      tags: [],
      role: "editor",
      only: 1,
      scores: { a: 1.5 },
      note: null,
      anything: [1],
      none: null,
    };
    expect(args.parse(good)).toEqual(good);
    const bad = args.safeParse({ ...good, userId: "", role: "owner", only: 2, tags: [1] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join("."))).toEqual(["userId", "tags.0", "role", "only"]);
    expect(argsSchema(undefined).parse({ whatever: 1 })).toEqual({ whatever: 1 });
    expect(argsSchema(v.object({ a: v.int64() })).parse({ a: 1n })).toEqual({ a: 1n });
  });

  it("types args from the validators; ids of different tables do not mix", () => {
    type Args = ArgsOf<{ userId: ReturnType<typeof v.id<"users">>; note: ReturnType<typeof v.optional<z.ZodString>> }>;
    expectTypeOf<Args>().toEqualTypeOf<{ userId: Id<"users">; note?: string | undefined }>();
    expectTypeOf<Id<"users">>().not.toEqualTypeOf<Id<"posts">>();
    expectTypeOf<ArgsOf<undefined>>().toBeAny();
  });
});

describe("references from modules", () => {
  const agents = {
    generate: defineAction({ args: z.object({ prompt: z.string() }), handler: async () => ({ text: "hi" }) }),
    helper: 42,
  };
  const publish = defineMutation({ args: z.object({ text: z.string() }), visibility: "public", handler: () => 7 });
  const flows = { run: defineWorkflow({ args: z.object({ n: z.number().default(1) }), handler: async () => "done" }) };
  const { internal, api } = references<{ agents: typeof agents; publish: typeof publish; flows: typeof flows }>();

  it("types each reference by its definition's kind, args and result; non-definitions are left out", () => {
    expectTypeOf(internal.agents.generate).toEqualTypeOf<FunctionReference<"action", { prompt: string }, { text: string }>>();
    expectTypeOf(internal.publish).toEqualTypeOf<FunctionReference<"mutation", { text: string }, number>>();
    expectTypeOf(internal.flows.run).toEqualTypeOf<FunctionReference<"workflow", { n?: number | undefined }, string>>();
    expectTypeOf(internal.agents).not.toHaveProperty("helper");
    // `api` has only public functions.
    expectTypeOf(api).toHaveProperty("publish");
    expectTypeOf(api).not.toHaveProperty("agents");
  });

  it("are paths at run time", async () => {
    const { referencePath } = await import("../../src/engine/registry.ts");
    expect(referencePath(internal.agents.generate)).toBe("agents.generate");
    expect(referencePath(internal.publish)).toBe("publish");
  });
});
