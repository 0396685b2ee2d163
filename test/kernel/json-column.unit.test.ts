// JSON columns read back from SQL: parsed and validated, and a bad one named in the error.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonColumn } from "../../src/kernel/index.ts";

const Ref = z.object({ name: z.string(), context: z.unknown().optional() });

describe("jsonColumn", () => {
  it("parses and validates the column's JSON", () => {
    expect(jsonColumn(Ref, '{"name":"done","context":{"a":1}}', "run.on_complete")).toEqual({ name: "done", context: { a: 1 } });
  });

  it.each([
    [null, /^malformed JSON column run\.on_complete: it is NULL$/],
    [undefined, /^malformed JSON column run\.on_complete: it is NULL$/],
    ["{not json", /^malformed JSON column run\.on_complete: SyntaxError/],
    ['{"name":7}', /^malformed JSON column run\.on_complete: name: /],
    ["[]", /^malformed JSON column run\.on_complete: \(root\): /],
  ])("names the column when it holds %j", (text, message) => {
    expect(() => jsonColumn(Ref, text, "run.on_complete")).toThrow(message);
  });
});
