// Zod's issues in the shapes errors carry: a one-line summary, and details with string or original keys.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { issueDetails, issueDetailsWithKeys, issueSummary, jsonPointer } from "../../src/kernel/index.ts";

const Args = z.object({ items: z.array(z.object({ n: z.number() })) });
const error = Args.safeParse({ items: [{ n: "x" }] }).error!;
const rootError = Args.safeParse(7).error!;

describe("zod issues", () => {
  it("summarizes each path and message on one line, the root as (root)", () => {
    expect(issueSummary(error)).toMatch(/^items\.0\.n: .+$/);
    expect(issueSummary(rootError)).toMatch(/^\(root\): /);
  });

  it("lists details with paths as strings", () => {
    expect(issueDetails(error)).toEqual({ issues: [{ path: ["items", "0", "n"], message: expect.any(String) }] });
  });

  it("lists details with the keys zod gave (indexes stay numbers)", () => {
    expect(issueDetailsWithKeys(error)).toEqual({ issues: [{ path: ["items", 0, "n"], message: expect.any(String) }] });
  });

  it("writes a path as a JSON Pointer, escaping ~ and / in keys; the root is the empty pointer", () => {
    expect(jsonPointer(["items", 0, "n"])).toBe("/items/0/n");
    expect(jsonPointer(["a/b", "~c"])).toBe("/a~1b/~0c");
    expect(jsonPointer([])).toBe("");
  });
});
