// The command line loads nothing of the Worker at run time: every import that leaves src/cli is
// `import type` (AppType), erased when Node strips the types.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli");

describe("src/cli", () => {
  it("imports the Worker's code for its types only", () => {
    const leaving: string[] = [];
    const typeOnly: string[] = [];
    for (const entry of readdirSync(CLI, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
      const file = join(entry.parentPath, entry.name);
      for (const m of readFileSync(file, "utf8").matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+"(\.[^"]+)"/gms)) {
        const target = relative(CLI, resolve(dirname(file), m[3]!));
        if (!target.startsWith("..")) continue;
        (m[2] === undefined ? leaving : typeOnly).push(`${relative(CLI, file)} -> ${target}`);
      }
    }
    expect(leaving).toEqual([]);
    expect(typeOnly).toEqual(["api.ts -> ../http/index.ts"]);
  });
});
