// A value against a JSON Schema: the issues name each failing place as a path of keys, like zod's.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonSchemaIssues } from "../../src/kernel/index.ts";

const schemaOf = (s: z.ZodType) => z.toJSONSchema(s, { io: "input" }) as Record<string, unknown>;

const Order = schemaOf(
  z.object({
    id: z.string(),
    lines: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })),
    "a/b~c": z.boolean().optional(),
    meta: z.strictObject({ source: z.string() }).optional(),
    kind: z.union([z.literal("retail"), z.literal("wholesale")]).optional(),
  }),
);

describe("jsonSchemaIssues", () => {
  it("is empty for a value that matches", () => {
    expect(jsonSchemaIssues(Order, { id: "o1", lines: [{ sku: "x", qty: 2 }], extra: true })).toEqual([]);
  });

  it.each([
    ["a wrong type at the root", 7, [[[], 'Expected "object"']]],
    ["a missing property, at its own path", { lines: [] }, [[["id"], "required"]]],
    [
      "a nested item",
      { id: "o1", lines: [{ sku: "x", qty: 0 }, { qty: 1 }] },
      [
        [["lines", "0", "qty"], "less than 1"],
        [["lines", "1", "sku"], "required"],
      ],
    ],
    ["a key that needs escaping in a pointer", { id: "o1", lines: [], "a/b~c": "no" }, [[["a/b~c"], "boolean"]]],
    ["a property no schema allows", { id: "o1", lines: [], meta: { source: "web", debug: 1 } }, [[["meta", "debug"], "not allowed here"]]],
    // Each branch says why it failed, at the same path.
    [
      "a union none of whose branches match",
      { id: "o1", lines: [], kind: "gift" },
      [
        [["kind"], "retail"],
        [["kind"], "wholesale"],
      ],
    ],
  ] as const)("names %s", (_, value, expected) => {
    const issues = jsonSchemaIssues(Order, value);
    expect(issues.map((i) => i.path)).toEqual(expected.map(([path]) => path));
    issues.forEach((issue, n) => {
      expect(issue.message.toLowerCase()).toContain(expected[n]![1].toLowerCase());
    });
  });

  it("follows $ref (a recursive schema)", () => {
    type Tree = { children: Tree[] };
    const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(Tree) }));
    expect(jsonSchemaIssues(schemaOf(Tree), { children: [{ children: [{}] }] })).toEqual([
      { path: ["children", "0", "children", "0", "children"], message: "required" },
    ]);
  });
});
