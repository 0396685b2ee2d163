// The README's "Testing your workflows", as a user follows it: a fresh copy of the project, the README's
// config, setup file and tests written where the README says, and `npx vitest run` in it, which must pass.
import { cpSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeProjectCopy, type ProjectCopy } from "../helpers/project-copy.ts";
import { REPO_ROOT, spawnGroup } from "../helpers/wrangler-dev.ts";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const SECTION = README.slice(README.indexOf("## Testing your workflows"), README.indexOf("\n## ", README.indexOf("## Testing your workflows") + 3));

/** Each example file the section shows, and where the section tells the user to put it. */
const PLACED = [
  ["examples/readme/vitest.config.ts", "vitest.config.ts"],
  ["examples/readme/setup.ts", "test/setup.ts"],
  ["examples/readme/draft-approval.test.ts", "test/draft-approval.test.ts"],
  ["examples/readme/replay.test.ts", "test/replay.test.ts"],
] as const;

/** Histories of real runs, as `npx stepwise history` saved them (the example tests' own). */
const HISTORIES = "test/workflows/examples/histories";

let project: ProjectCopy;
beforeAll(() => {
  project = makeProjectCopy();
});
afterAll(() => project.dispose());

it("the section's files, placed where it says, pass with npx vitest run in a copy of the project", async () => {
  for (const [example, placed] of PLACED) {
    expect(SECTION).toContain(`<!-- example: ${example} -->`);
    expect(SECTION).toContain(`\`${placed}\``);
    mkdirSync(dirname(join(project.root, placed)), { recursive: true });
    cpSync(join(REPO_ROOT, example), join(project.root, placed));
  }
  expect(SECTION).toContain("Then `npx vitest run`.");
  expect(SECTION).toContain("`test/histories/`");
  cpSync(join(REPO_ROOT, HISTORIES), join(project.root, "test/histories"), { recursive: true });
  const histories = readdirSync(join(REPO_ROOT, HISTORIES)).length;
  const vitest = spawnGroup(join(project.root, "node_modules/.bin/vitest"), ["run"], {
    cwd: project.root,
    env: { ...process.env, PATH: `${join(REPO_ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" },
  });
  try {
    const code = await vitest.exited;
    expect(code, vitest.output()).toBe(0);
    // The two tests of draft-approval, and one replay per history.
    const tests = 2 + histories;
    expect(vitest.output()).toMatch(new RegExp(`Tests\\s+${tests} passed \\(${tests}\\)`));
  } finally {
    await vitest.stop("SIGKILL");
  }
});
