// The layers of src/, bottom to top, and the Biome overrides that enforce them (biome.layers.json).
// `npm run lint:layers` rewrites that file from LAYERS; test/scripts/biome-layers.unit.test.ts fails when it is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Bottom to top. A layer imports only layers below it, and only through their entry points; the layers
 * in one row are siblings and import neither each other nor anything above them.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["kernel"],
  ["engine"],
  ["components"],
  ["approvals"],
  ["agents"],
  ["triggers"],
  ["ui", "http", "convex", "testing"],
  ["workflows"],
];

/** Above every layer, in this order: the composition root, the package's entry (`stepwise`), then the Worker. */
export const TOP_FILES = ["stepwise.ts", "public.ts", "index.ts"] as const;

/**
 * The layer of user-land code: the example workflows import the library as an app does, by the package
 * name (`stepwise`, which is src/public.ts), never a layer by path. Below it, nothing may import the
 * package by name: that would be a cycle through src/public.ts.
 */
export const USER_LAND = "workflows";

/** The package's own names (package.json "exports"): `stepwise` and `stepwise/convex`. */
const PACKAGE = ["stepwise", "stepwise/**"];

/**
 * Node-side code above the Worker itself (the command line, src/cli): it may import every layer through
 * its entry point (in practice `import type { AppType }` from http), and nothing of the Worker imports it.
 */
export const NODE_LAYERS = ["cli"] as const;

/** A layer's public entry points: everything, and its runtime-free part (importable from Node tests). */
export const ENTRY_POINTS = ["index.ts", "core/index.ts"] as const;

/** Files are matched by depth below src/ so that `../` * depth names src/ exactly; deeper files fail the check in the test. */
export const MAX_DEPTH = 4;

interface Pattern {
  group: string[];
  message: string;
}
interface Override {
  includes: string[];
  linter: ReturnType<typeof rule>;
}

const rank = (layer: string) => ((NODE_LAYERS as readonly string[]).includes(layer) ? LAYERS.length : LAYERS.findIndex((row) => row.includes(layer)));

/** Patterns for a file whose way up to src/ is `up` ("./" for src/ itself), in `layer` (null for the top files). */
function patternsFor(layer: string | null, up: string, topFile?: string): Pattern[] {
  const where = layer === null ? `src/${topFile}` : `src/${layer}`;
  if (layer === USER_LAND) {
    const library = LAYERS.flat().filter((l) => l !== USER_LAND);
    return [
      {
        group: [...library.map((l) => `${up}${l}/**`), ...TOP_FILES.map((f) => `${up}${f}`)],
        message: `${where} is user-land code: import the library as "stepwise" (src/public.ts), as an app does, never a layer by path (README: Layout).`,
      },
    ];
  }
  const own = layer === null ? LAYERS.length : rank(layer);
  // The package's entry point sits below user-land code: it may import every layer but that one.
  const below = LAYERS.slice(0, own)
    .flat()
    .filter((l) => !(topFile === "public.ts" && l === USER_LAND));
  const others = [...LAYERS.flat().filter((l) => l !== layer && !below.includes(l)), ...NODE_LAYERS].filter((l) => l !== layer);
  // A top file may import the top files listed before it (index.ts imports stepwise.ts), never itself or those after.
  const topAbove = layer === null ? TOP_FILES.slice(TOP_FILES.indexOf(topFile as (typeof TOP_FILES)[number])) : TOP_FILES;
  const allowed = below.length === 0 ? "no other layer" : `only ${below.join(", ")} (each through its index.ts)`;
  const patterns: Pattern[] = [
    {
      group: [...others.map((l) => `${up}${l}/**`), ...topAbove.map((f) => `${up}${f}`)],
      message: `${where} may import ${allowed}: never a sibling layer or one above it (README: Layout).`,
    },
  ];
  // The Worker may name the package; the library itself may not (src/public.ts imports it: a cycle).
  if (topFile !== "index.ts") {
    patterns.push({
      group: PACKAGE,
      message: `${where} is part of the library: import a layer by its path, never the package by name ("stepwise" is src/public.ts, which imports this; a cycle) (README: Layout).`,
    });
  }
  for (const l of below) {
    patterns.push({
      group: [`${up}${l}/**`, ...ENTRY_POINTS.map((e) => `!${up}${l}/${e}`)],
      message: `Import src/${l} through its entry point ${l}/index.ts (or ${l}/core/index.ts, its runtime-free part), not a file behind it (README: Layout).`,
    });
  }
  return patterns;
}

function rule(patterns: Pattern[]) {
  return { rules: { style: { noRestrictedImports: { level: "error" as const, options: { patterns } } } } };
}

/** One override per top file and per (layer, depth): `*` in `includes` matches within one folder only. */
export function layerOverrides(): Override[] {
  const overrides: Override[] = TOP_FILES.map((f) => ({ includes: [`src/${f}`], linter: rule(patternsFor(null, "./", f)) }));
  for (const layer of [...LAYERS.flat(), ...NODE_LAYERS]) {
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const folders = "*/".repeat(depth - 1);
      overrides.push({ includes: [`src/${layer}/${folders}*.ts`, `src/${layer}/${folders}*.tsx`], linter: rule(patternsFor(layer, "../".repeat(depth))) });
    }
  }
  return overrides;
}

/** The file's text: one override per block and one pattern per line, so a change to LAYERS reads as a small diff. */
export function layersConfig(): string {
  const blocks = layerOverrides().map((o) => {
    const patterns = o.linter.rules.style.noRestrictedImports.options.patterns.map((p) => `        ${JSON.stringify(p)}`);
    return [
      `    {`,
      `      "includes": ${JSON.stringify(o.includes)},`,
      `      "linter": { "rules": { "style": { "noRestrictedImports": { "level": "error", "options": { "patterns": [`,
      patterns.join(",\n"),
      `      ] } } } } }`,
      `    }`,
    ].join("\n");
  });
  const schema = `  "$schema": "./node_modules/@biomejs/biome/configuration_schema.json"`;
  return `{\n${schema},\n  "overrides": [\n${blocks.join(",\n")}\n  ]\n}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL("../biome.layers.json", import.meta.url), layersConfig());
  console.log("wrote biome.layers.json");
}
