// The layer import rule (biome.layers.json): Biome fails an upward, a sideways and a past-the-index import
// and passes legal ones, on fixture files in temporary trees linted with the repository's own config.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAYERS, layersConfig, MAX_DEPTH, NODE_LAYERS, TOP_FILES } from "../../scripts/biome-layers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIOME = join(ROOT, "node_modules/.bin/biome");

/** [what it shows, the file's path, its source]: each must be refused. */
const ILLEGAL: [string, string, string][] = [
  ["upward: engine imports agents", "src/engine/durable/up.ts", 'import { Agent } from "../../agents/index.ts";\nexport { Agent };\n'],
  ["upward: a layer imports the composition root", "src/workflows/up-root.ts", 'export { createStepwise } from "../stepwise.ts";\n'],
  ["upward: the kernel imports the engine", "src/kernel/up.ts", 'import type { Registry } from "../engine/index.ts";\nexport type R = Registry;\n'],
  ["sideways: http imports ui, even through its index", "src/http/side.ts", 'import { chatPageRoutes } from "../ui/index.ts";\nexport { chatPageRoutes };\n'],
  ["sideways: ui imports http", "src/ui/side.ts", 'export { createApp } from "../http/index.ts";\n'],
  [
    "past the index: components reach into engine/core",
    "src/components/deep.ts",
    'import { liveStatus } from "../engine/core/journal.ts";\nexport { liveStatus };\n',
  ],
  [
    "past the index, from a nested folder",
    "src/components/action-run/core/deep.ts",
    'export { createRunObject } from "../../../engine/durable/run-object.ts";\n',
  ],
  ["past the index, in a dynamic import", "src/workflows/deep-dynamic.ts", 'export const load = () => import("../approvals/request.ts");\n'],
  ["past the index, type-only", "src/http/deep-type.ts", 'import type { ThreadCtx } from "../agents/ctx.ts";\nexport type T = ThreadCtx;\n'],
  ["user land: workflows import a layer by path, even its index", "src/workflows/by-path.ts", 'export { defineWorkflow } from "../engine/index.ts";\n'],
  ["a cycle: the library imports the package by name", "src/engine/durable/by-name.ts", 'export { defineWorkflow } from "stepwise";\n'],
  ["a cycle: the composition root imports the package by name", "src/stepwise.ts", 'export { v } from "stepwise/convex";\n'],
  ["a cycle: the package's entry imports the workflows", "src/public.ts", 'export { modules } from "./workflows/index.ts";\n'],
  ["a cycle: the package's entry imports the Worker", "src/public.ts", 'export * from "./index.ts";\n'],
  ["a layer imports the command line", "src/http/up-cli.ts", 'import type { Io } from "../cli/cli.ts";\nexport type I = Io;\n'],
  ["the command line imports the Worker", "src/cli/up-worker.ts", 'export { createStepwise } from "../stepwise.ts";\n'],
  ["the command line reaches past http's index", "src/cli/commands/deep.ts", 'import type { AppType } from "../../http/app.ts";\nexport type A = AppType;\n'],
];

/** Each must pass. */
const LEGAL: [string, string, string][] = [
  ["a lower layer through its index", "src/components/legal.ts", 'import { Registry } from "../engine/index.ts";\nexport { Registry };\n'],
  [
    "a lower layer's runtime-free entry, from a nested folder",
    "src/components/action-run/core/legal.ts",
    'export { backoffDelay } from "../../../engine/core/index.ts";\n',
  ],
  ["inside a layer, any file by relative path", "src/engine/durable/legal.ts", 'export { liveStatus } from "../core/journal.ts";\n'],
  ["inside http, its own folder named like a layer", "src/http/legal.ts", 'export { approvalRoutes } from "./approvals/routes.ts";\n'],
  [
    "from inside that folder, up to http and down to the approvals layer",
    "src/http/approvals/legal.ts",
    'export * from "../config.ts";\nexport * from "../../approvals/index.ts";\n',
  ],
  ["the Worker imports the composition root", "src/index.ts", 'export { createStepwise } from "./stepwise.ts";\n'],
  ["the composition root imports the top layers through their index", "src/stepwise.ts", 'export * from "./http/index.ts";\nexport * from "./ui/index.ts";\n'],
  ["user land: workflows import the package by name", "src/workflows/legal.ts", 'export { defineWorkflow } from "stepwise";\n'],
  [
    "the package's entry re-exports the layers and the composition root",
    "src/public.ts",
    'export * from "./engine/index.ts";\nexport * from "./stepwise.ts";\n',
  ],
  ["tests may import internals", "test/legal.test.ts", 'export { liveStatus } from "../src/engine/core/journal.ts";\n'],
  [
    "the command line imports http's types through its index",
    "src/cli/commands/legal.ts",
    'import type { AppType } from "../../http/index.ts";\nexport type A = AppType;\n',
  ],
];

interface Diagnostic {
  category: string;
  location: { path: string };
}

/** Biome's diagnostics per fixture, by what it shows. */
let byFixture: Map<string, string[]>;
const trees: string[] = [];

/** Lints fixtures in a fresh tree with the repository's config; the diagnostics' categories per path. */
function lintTree(fixtures: [string, string, string][]): Map<string, string[]> {
  const tree = mkdtempSync(join(tmpdir(), "stepwise-import-rule-"));
  trees.push(tree);
  for (const f of ["biome.jsonc", "biome.layers.json"]) copyFileSync(join(ROOT, f), join(tree, f));
  for (const [, path, source] of fixtures) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), source);
  }
  let out: string;
  try {
    out = execFileSync(BIOME, ["lint", "--vcs-enabled=false", "--reporter=json", "--max-diagnostics=none", "--only=style/noRestrictedImports", "."], {
      cwd: tree,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    // Biome exits 1 when it reports errors; the report is still on stdout.
    out = (err as { stdout: string }).stdout;
  }
  const report = JSON.parse(out) as { diagnostics: Diagnostic[] };
  const byPath = new Map<string, string[]>();
  for (const d of report.diagnostics) byPath.set(d.location.path, [...(byPath.get(d.location.path) ?? []), d.category]);
  return byPath;
}

beforeAll(() => {
  // A top file has one path (src/public.ts), so fixtures that share a path go to separate trees.
  const rounds: [string, string, string][][] = [];
  for (const fixture of [...ILLEGAL, ...LEGAL]) {
    const round = rounds.find((r) => !r.some(([, path]) => path === fixture[1])) ?? (rounds[rounds.length] = []);
    round.push(fixture);
  }
  byFixture = new Map();
  for (const round of rounds) {
    const byPath = lintTree(round);
    for (const [what, path] of round) byFixture.set(what, byPath.get(path) ?? []);
  }
});

afterAll(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

describe("the layer import rule", () => {
  it.each(ILLEGAL)("refuses %s (%s)", (what) => {
    expect(byFixture.get(what)).toContain("lint/style/noRestrictedImports");
  });

  it.each(LEGAL)("allows %s (%s)", (what) => {
    expect(byFixture.get(what)).toEqual([]);
  });
});

describe("biome.layers.json", () => {
  it("is what scripts/biome-layers.ts writes (run `npm run lint:layers` after changing LAYERS)", () => {
    expect(JSON.parse(readFileSync(join(ROOT, "biome.layers.json"), "utf8"))).toEqual(JSON.parse(layersConfig()));
  });

  it("covers every source file: each is a top file or sits in a layer, at most MAX_DEPTH folders down", () => {
    const layers = new Set([...LAYERS.flat(), ...NODE_LAYERS]);
    const strays: string[] = [];
    for (const entry of readdirSync(join(ROOT, "src"), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = relative(join(ROOT, "src"), join(entry.parentPath, entry.name)).split("\\").join("/");
      const parts = path.split("/");
      if (parts[1] === "generated" || path.endsWith(".d.ts")) continue;
      const covered =
        parts.length === 1
          ? (TOP_FILES as readonly string[]).includes(path)
          : layers.has(parts[0] ?? "") && parts.length - 1 <= MAX_DEPTH && (/\.tsx?$/.test(path) || (path.startsWith("ui/browser/") && path.endsWith(".css")));
      if (!covered) strays.push(path);
    }
    expect(strays).toEqual([]);
  });
});
