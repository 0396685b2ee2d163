// The seed port keeps the seed's code verbatim but for its import lines: every other line of every
// TypeScript example in the seed (examples/seed/SEED.md, a copy of the seed's workflows.md) appears, in
// order, in the port (examples/seed), indentation aside.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SEED_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "seed");
const read = (file: string) => readFileSync(join(SEED_DIR, file), "utf8");

/** The seed's TypeScript blocks, each as its lines: trimmed, without blank and import lines. */
function seedBlocks(): { heading: string; lines: string[] }[] {
  const blocks: { heading: string; lines: string[] }[] = [];
  let heading = "";
  for (const part of read("SEED.md").split(/^```/m)) {
    const h = part.match(/^#+ (.+)$/gm);
    if (h !== null) heading = h.at(-1)!.replace(/^#+ /, "");
    if (!part.startsWith("typescript\n")) continue;
    const lines = part
      .split("\n")
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("import "));
    blocks.push({ heading, lines });
  }
  return blocks;
}

/** The port's lines in the order agents, workflows, snippets (the seed's order), trimmed. */
const PORT = ["agents.ts", "workflows.ts", "snippets.ts"].flatMap((f) =>
  read(f)
    .split("\n")
    .map((l) => l.trim()),
);

/** How many of `lines` appear in `haystack` in order (a subsequence). */
function matchedInOrder(lines: string[], haystack: string[]): number {
  let at = 0;
  let matched = 0;
  for (const line of lines) {
    const found = haystack.indexOf(line, at);
    if (found === -1) break;
    matched++;
    at = found + 1;
  }
  return matched;
}

describe("the seed port", () => {
  const blocks = seedBlocks();

  it("reads the seed's 12 TypeScript examples", () => {
    expect(blocks).toHaveLength(12);
  });

  // convex.config.ts has no counterpart: wrangler.toml binds the objects (README, "Porting from the seed").
  for (const { heading, lines } of blocks.filter((b) => !b.lines.some((l) => l.startsWith("app.use(")))) {
    it(`keeps "${heading}" verbatim`, () => {
      const matched = matchedInOrder(lines, PORT);
      expect(matched === lines.length ? "all lines found in order" : `missing from line ${matched + 1}: ${lines[matched]}`).toBe("all lines found in order");
    });
  }
});
