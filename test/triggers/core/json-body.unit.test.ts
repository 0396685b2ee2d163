// Which queue message bodies can be a run's args: plain JSON passes; a value JSON would change or drop is
// refused with queue.body_not_json at the first such path, which is what the dead letter names.
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../../src/kernel/index.ts";
import { nonJsonBody } from "../../../src/triggers/core/index.ts";

const cycle: Record<string, unknown> = { name: "loop" };
cycle.self = cycle;
const shared = { a: 1 };
let deep: unknown = "leaf";
for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
// A hole at index 1, as a v8-serialized array can carry one.
const holey: unknown[] = [1];
holey[2] = 3;

describe("nonJsonBody", () => {
  it.each([
    ["an object of JSON values", { name: "Ada", n: 1.5, ok: true, none: null, tags: ["a", 2] }],
    ["a string", "plain text"],
    ["null", null],
    ["an object property left undefined (JSON drops it; a schema reads it as absent)", { name: "Ada", note: undefined }],
    ["the same object twice, not a cycle", { left: shared, right: shared }],
    ["an object without a prototype", Object.assign(Object.create(null) as object, { a: 1 })],
  ])("passes %s", (_, body) => {
    expect(nonJsonBody(body)).toBeUndefined();
  });

  it.each([
    ["a Date", { at: new Date(0) }, ["at"], "a Date: send it as an ISO string"],
    ["a Map", { m: new Map() }, ["m"], "a value of type Map, which JSON cannot carry"],
    ["bytes", new ArrayBuffer(2), [], "a value of type ArrayBuffer, which JSON cannot carry"],
    ["a bigint", { id: 1n }, ["id"], "a bigint: send it as a string or a number"],
    ["NaN", { n: Number.NaN }, ["n"], "NaN is not a JSON number"],
    ["Infinity, deep in an array", { a: [{ b: [0, Infinity] }] }, ["a", "0", "b", "1"], "Infinity is not a JSON number"],
    ["undefined in an array", { list: [1, undefined] }, ["list", "1"], "undefined (absent) where a value must be"],
    ["a hole in an array", { list: holey }, ["list", "1"], "undefined (absent) where a value must be"],
    ["no body at all", undefined, [], "undefined (absent) where a value must be"],
    ["a cycle", cycle, ["self"], "a reference back to a value that contains it (a cycle)"],
    ["nesting past the depth limit", deep, Array.from({ length: MAX_JSON_DEPTH }, () => "0"), `nested deeper than ${MAX_JSON_DEPTH} levels`],
  ])("refuses %s at its path", (_, body, path, message) => {
    const err = nonJsonBody(body);
    expect(err?.code).toBe("queue.body_not_json");
    expect(err?.retryable).toBe(false);
    expect(err?.details).toEqual({ issues: [{ path, message }] });
  });

  it("names the first value that is not JSON, in the body's order", () => {
    expect(nonJsonBody({ a: 1, b: new Date(0), c: new Map() })?.details).toMatchObject({ issues: [{ path: ["b"] }] });
  });
});
