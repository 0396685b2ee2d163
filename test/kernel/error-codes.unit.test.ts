// The error catalogue is complete: every code the source raises, fails with or answers with is in it,
// with a status that is an HTTP error status (or null: an outcome only), and every entry is used.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, errorCodeInfo } from "../../src/kernel/error-codes.ts";
import { StepwiseError } from "../../src/kernel/errors.ts";

const SRC = join(import.meta.dirname, "..", "..", "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** The source without comments, so a JSDoc example's code (`billing.declined`) does not count. */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Where a code is raised or answered: an error's constructor, `fail`, `problem`, a `code:` field or a code's default. */
const USES = [
  /[A-Za-z]*Error\(\s*"([a-z_]+(?:\.[a-z_]+)+)"/g,
  /[cC]ode\s*(?:=|\?\?)\s*"([a-z_]+(?:\.[a-z_]+)+)"/g,
  /\bfail\(\s*"([a-z_]+(?:\.[a-z_]+)+)"/g,
  /\bproblem\(\s*c\s*,\s*"([a-z_.]+)"/g,
  /\bcode:\s*"([a-z_]+(?:\.[a-z_]+)+)"/g,
  /toSerializedError\([^,()]+,\s*"([a-z_]+(?:\.[a-z_]+)+)"/g,
];

function usedCodes(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of sources(SRC)) {
    if (file.endsWith("error-codes.ts")) continue;
    const text = code(file);
    for (const re of USES) for (const m of text.matchAll(re)) used.set(m[1]!, file.slice(SRC.length + 1));
  }
  return used;
}

describe("the error catalogue", () => {
  it("holds every code the source uses", () => {
    const used = usedCodes();
    expect(used.size).toBeGreaterThan(40);
    const missing = [...used].filter(([c]) => errorCodeInfo(c) === undefined).map(([c, file]) => `${c} (${file})`);
    expect(missing).toEqual([]);
  });

  it("has no entry the source never uses", () => {
    const used = usedCodes();
    // Codes built from data rather than written as a literal at their use.
    const indirect = new Set(["internal"]);
    expect(Object.keys(ERROR_CODES).filter((c) => !used.has(c) && !indirect.has(c))).toEqual([]);
  });

  it("gives every HTTP code a 4xx or 5xx status", () => {
    for (const [c, info] of Object.entries(ERROR_CODES)) {
      if (info.status !== null) expect(info.status >= 400 && info.status <= 599, c).toBe(true);
    }
  });

  it("is where an error's retryable flag comes from, unless the error says otherwise", () => {
    expect(new StepwiseError("step.timeout", "t").retryable).toBe(true);
    expect(new StepwiseError("run.not_found", "n").retryable).toBe(false);
    expect(new StepwiseError("step.timeout", "t", { retryable: false }).retryable).toBe(false);
    expect(new StepwiseError("billing.declined", "a user's own code").retryable).toBe(false);
  });

  it("knows no prototype names", () => {
    expect(errorCodeInfo("constructor")).toBeUndefined();
    expect(errorCodeInfo("__proto__")).toBeUndefined();
  });
});
