// The README's TypeScript is real code: each ```ts (or ```tsx) fence follows a marker line
// `<!-- example: examples/<path>.ts -->` and shows that file verbatim; `npm run typecheck` checks the files.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fences } from "../helpers/readme.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The marker line, right before the fence. */
const MARKER = /^<!-- example: (examples\/[\w./-]+\.tsx?) -->$/;
/** Fences whose content must be an example file; `sh`, `json`, `diff`... are not checked. */
const CHECKED = new Set(["ts", "tsx", "typescript"]);
/** What a README example may import: the package, and the libraries an app would use beside it. */
const IMPORTABLE = [
  "stepwise",
  "stepwise/convex",
  "stepwise/testing",
  "zod",
  "hono/client",
  "ai",
  "ai/test",
  "cloudflare:workers",
  // The testing section's config, setup file and test.
  "cloudflare:test",
  "vitest",
  "vitest/config",
  "@cloudflare/vitest-plugin",
];

/**
 * What is wrong with the README's checked fences and markers: a fence without its marker, a marker
 * without its fence, a missing file, or content that differs (named by its first differing line).
 */
function readmeProblems(markdown: string, readExample: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const all = fences(markdown);
  for (const fence of all.filter((f) => CHECKED.has(f.lang))) {
    const marker = MARKER.exec(fence.before);
    if (marker === null) {
      problems.push(`README.md:${fence.line}: a \`\`\`${fence.lang} fence without "<!-- example: examples/<path>.ts -->" on the line before it`);
      continue;
    }
    const path = marker[1]!;
    const text = readExample(path);
    if (text === undefined) {
      problems.push(`README.md:${fence.line - 1}: ${path} does not exist`);
      continue;
    }
    const file = text.replace(/\n$/, "").split("\n");
    const n = Math.max(file.length, fence.content.length);
    for (let i = 0; i < n; i++) {
      if (file[i] === fence.content[i]) continue;
      const show = (l: string | undefined) => (l === undefined ? "(nothing)" : JSON.stringify(l));
      problems.push(`README.md:${fence.line + 1 + i} differs from ${path}:${i + 1}\n  README: ${show(fence.content[i])}\n  file:   ${show(file[i])}`);
      break;
    }
  }
  const lines = markdown.split("\n");
  lines.forEach((line, i) => {
    if (MARKER.test(line) && !all.some((f) => f.line === i + 2 && CHECKED.has(f.lang))) {
      problems.push(`README.md:${i + 1}: a marker not followed by a \`\`\`ts fence`);
    }
  });
  return problems;
}

const read = (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), "utf8") : undefined);
const README = readFileSync(join(ROOT, "README.md"), "utf8");

describe("the README's TypeScript snippets", () => {
  it("each is an example file, shown verbatim after its marker", () => {
    expect(readmeProblems(README, read)).toEqual([]);
  });

  it("every file in examples/readme/ is one of them", () => {
    const shown = new Set(fences(README).flatMap((f) => MARKER.exec(f.before)?.[1] ?? []));
    const files = readdirSync(join(ROOT, "examples/readme")).filter((f) => /\.tsx?$/.test(f));
    expect(files.filter((f) => !shown.has(`examples/readme/${f}`))).toEqual([]);
  });

  it.each(readdirSync(join(ROOT, "examples/readme")).filter((f) => /\.tsx?$/.test(f)))(
    "examples/readme/%s imports only the package, its libraries and its neighbours",
    (f) => {
      const specifiers = [...read(`examples/readme/${f}`)!.matchAll(/^(?:import|export)\b[^;]*?\bfrom "([^"]+)"/gms)].map((m) => m[1]!);
      expect(specifiers.filter((s) => !IMPORTABLE.includes(s) && !/^\.\/[\w-]+\.ts$/.test(s))).toEqual([]);
    },
  );
});

describe("readmeProblems", () => {
  const file = "export const a = 1;\nexport const b = 2;\n";
  const readOne = (path: string) => (path === "examples/readme/a.ts" ? file : undefined);
  const md = (before: string, body: string, lang = "ts") => `# Title\n\n${before}\n\`\`\`${lang}\n${body}\n\`\`\`\n`;

  it.each([
    ["a marked fence that shows its file (trailing newline aside)", md("<!-- example: examples/readme/a.ts -->", file.trimEnd())],
    ["a sh fence without a marker", md("Run it:", "npm start", "sh")],
  ])("passes %s", (_what, markdown) => {
    expect(readmeProblems(markdown, readOne)).toEqual([]);
  });

  it.each([
    ["a ts fence without a marker", md("Some prose:", file.trimEnd()), "README.md:4: a ```ts fence without"],
    ["a tsx fence without a marker", md("", file.trimEnd(), "tsx"), "README.md:4: a ```tsx fence without"],
    ["a marker naming a missing file", md("<!-- example: examples/readme/gone.ts -->", file.trimEnd()), "README.md:3: examples/readme/gone.ts does not exist"],
    [
      "a changed line",
      md("<!-- example: examples/readme/a.ts -->", "export const a = 1;\nexport const b = 3;"),
      'README.md:6 differs from examples/readme/a.ts:2\n  README: "export const b = 3;"\n  file:   "export const b = 2;"',
    ],
    [
      "a line missing at the end",
      md("<!-- example: examples/readme/a.ts -->", "export const a = 1;"),
      'README.md:6 differs from examples/readme/a.ts:2\n  README: (nothing)\n  file:   "export const b = 2;"',
    ],
    [
      "a marker before another kind of fence",
      md("<!-- example: examples/readme/a.ts -->", "npm start", "sh"),
      "README.md:3: a marker not followed by a ```ts fence",
    ],
  ])("refuses %s", (_what, markdown, problem) => {
    const problems = readmeProblems(markdown, readOne);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });
});
