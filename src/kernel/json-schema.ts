// Checks a value against a JSON Schema (draft 2020-12) with @cfworker/json-schema, which needs no eval and
// so runs in workerd. Its errors are reduced to the failing paths, in the shape zod's refusals take.
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import type { IssueDetail } from "./zod-issues.ts";

/** A JSON Schema document, as `z.toJSONSchema` makes it and the journal keeps it. */
export type JsonSchema = Record<string, unknown>;

/** Keywords that fail because a sub-schema failed for a property or item: the sub-schema's error says why. */
const CONTAINERS = new Set(["additionalProperties", "unevaluatedProperties", "items", "additionalItems", "unevaluatedItems", "prefixItems"]);

/**
 * What is wrong with `value` under `schema`: one issue per failing place (empty when it matches), each
 * path a list of keys from the value's root, as `issueDetails` gives them for zod.
 * @example
 * jsonSchemaIssues({ type: "object", required: ["approved"] }, {}); // [{ path: ["approved"], message: "required" }]
 */
export function jsonSchemaIssues(schema: JsonSchema, value: unknown): IssueDetail[] {
  // SAFETY: the library types a schema as its own interface with an index signature; any object is one.
  const result = new Validator(schema as Schema, "2020-12", false).validate(value);
  if (result.valid) return [];
  const errors = result.errors;
  const issues: IssueDetail[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // A keyword whose sub-schemas failed (properties, items, anyOf, $ref...) reports a summary of
    // theirs; keep only the deepest errors, which name the failing place and the reason.
    if (errors.some((f) => f.keywordLocation.startsWith(`${e.keywordLocation}/`))) continue;
    // A `false` sub-schema (a property or item no schema allows) fails at the item's own location, not
    // under its keyword's: the container's error is then the summary.
    if (CONTAINERS.has(e.keyword) && errors.some((f) => f.keyword === "false" && f.instanceLocation.startsWith(`${e.instanceLocation}/`))) continue;
    const issue = toIssue(e);
    const key = `${JSON.stringify(issue.path)} ${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(e: OutputUnit): IssueDetail {
  const path = pointerKeys(e.instanceLocation);
  if (e.keyword === "false") return { path, message: "not allowed here" };
  if (e.keyword === "required") {
    // The missing property's own path, as zod reports a missing key.
    const missing = /required property "(.*)"\.$/.exec(e.error)?.[1];
    if (missing !== undefined) return { path: [...path, missing], message: "required" };
  }
  return { path, message: e.error };
}

/** `#/a/0/b~1c` (the library's instance location: a URI fragment of a JSON Pointer) as `["a", "0", "b/c"]`. */
function pointerKeys(location: string): string[] {
  const pointer = location.replace(/^#/, "");
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((key) => decodeURIComponent(key).replaceAll("~1", "/").replaceAll("~0", "~"));
}
