// A typed wait's contract from its zod schema: the JSON Schema the journal keeps (the schema's input,
// unrepresentable parts as any value), the full check, the parse that types the payload, and the types.
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { StepwiseError } from "../../src/kernel/index.ts";
import { parseSignalPayload, signalContract } from "../../src/engine/signal-contract.ts";
import type { StepContext } from "../../src/engine/workflow-api.ts";

const Decision = z.object({
  approved: z.boolean(),
  note: z.string().default("none"),
  at: z.date().optional(),
  votes: z
    .number()
    .refine((n) => n % 2 === 1, "must be odd")
    .optional(),
});

describe("signalContract", () => {
  const contract = signalContract(Decision);

  it("describes the schema's input: a field with a default is optional, what JSON Schema cannot say accepts anything", () => {
    expect(contract.jsonSchema).toMatchObject({ type: "object", required: ["approved"], properties: { at: {}, votes: { type: "number" } } });
  });

  it("is made once per schema", () => {
    expect(signalContract(Decision)).toBe(contract);
  });

  it.each([
    ["a matching payload", { approved: true }, null],
    ["a wrong type (the JSON Schema says)", { approved: "yes" }, [["approved"]]],
    ["a failed refinement (only zod says)", { approved: true, votes: 2 }, [["votes"]]],
  ] as const)("checks %s", (_, payload, paths) => {
    const issues = contract.check(payload);
    expect(issues === null ? null : issues.map((i) => i.path)).toEqual(paths);
  });
});

describe("parseSignalPayload", () => {
  it("returns the schema's output", () => {
    expect(parseSignalPayload(Decision, "d", { approved: false })).toEqual({ approved: false, note: "none" });
  });

  it("rejects what zod refuses with a non-retryable signal.invalid_payload naming the paths", () => {
    const err = (() => {
      try {
        return parseSignalPayload(Decision, "d", { approved: true, votes: 4 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StepwiseError);
    expect(err).toMatchObject({ code: "signal.invalid_payload", retryable: false, details: { issues: [{ path: ["votes"], message: "must be odd" }] } });
  });
});

describe("waitForSignal's types", () => {
  it("is the schema's output (or null) with a schema, and the caller's type without", () => {
    const typesOnly = (step: StepContext) => {
      expectTypeOf(step.waitForSignal("d", { schema: Decision })).resolves.toEqualTypeOf<z.output<typeof Decision> | null>();
      expectTypeOf(step.waitForSignal("n", { timeout: 1, schema: z.string().transform((s) => s.length) })).resolves.toEqualTypeOf<number | null>();
      expectTypeOf(step.waitForSignal("u")).resolves.toEqualTypeOf<unknown>();
      expectTypeOf(step.waitForSignal<{ n: number }>("t", { timeout: 1 })).resolves.toEqualTypeOf<{ n: number } | null>();
    };
    expect(typesOnly).toBeTypeOf("function");
  });
});
