// The README's "Your first workflow", followed step by step in a fresh copy of the project: write the
// file, register it as the README's diff says, start it with `npx stepwise ... --wait`, then start a run
// that sleeps, stop the server, ship version 2, start the server again, and see the sleeping run end on
// version 1 while a new run takes version 2. The commands are the README's own (checked verbatim).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/dev-api.ts";
import { makeProjectCopy, type ProjectCopy } from "../helpers/project-copy.ts";
import { fenceAfter } from "../helpers/readme.ts";
import { runBash } from "../helpers/shell.ts";
import { runStepwise } from "../helpers/stepwise-cli.ts";
import { type GroupChild, REPO_ROOT, freePort, groupProcesses } from "../helpers/wrangler-dev.ts";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const SECTION = README.slice(README.indexOf("## Your first workflow"), README.indexOf("\n## ", README.indexOf("## Your first workflow") + 3));

/** The section's first ```lang block after `marker`. */
const blockAfter = (marker: string, lang: string) => fenceAfter(SECTION, marker, lang);

/** Applies a one-hunk diff without its header (lines " ctx", "-old", "+new") to `text`, or throws when its context and old lines are not there. */
function applyHunk(text: string, hunk: string): string {
  const lines = hunk.split("\n");
  const before = lines.filter((l) => !l.startsWith("+")).map((l) => l.slice(1));
  const after = lines.filter((l) => !l.startsWith("-")).map((l) => l.slice(1));
  const needle = before.join("\n");
  if (!text.includes(needle)) throw new Error(`the README's diff does not apply; it expects:\n${needle}`);
  return text.replace(needle, after.join("\n"));
}

describe("README: Your first workflow", () => {
  let project: ProjectCopy;
  let port: number;
  let app: GroupChild | undefined;

  /** `npx stepwise ...args` in the project, as the README runs it: the URL from PORT, the token from the project's .dev.vars. */
  const stepwise = (...args: string[]) => runStepwise(args, { via: "npx", cwd: project.root, env: { PORT: String(port) } });

  /** Asserts the README runs exactly this command, then runs it. */
  async function readmeCommand(command: string, ...args: string[]) {
    expect(SECTION).toContain(command);
    return stepwise(...args);
  }

  beforeAll(async () => {
    project = makeProjectCopy();
    port = await freePort();
    app = await project.start({ port });
  });
  afterAll(async () => {
    await app?.stop("SIGKILL");
    project.dispose();
  });

  it("writes, registers, starts, and changes a workflow while a run of it sleeps", async () => {
    // 1. Write it: the README's file is examples/first-workflow/welcome.ts (the snippet test holds them equal).
    const v1 = readFileSync(join(REPO_ROOT, "examples/first-workflow/welcome.ts"), "utf8");
    expect(blockAfter("**1. Write it.**", "ts")).toBe(v1.trimEnd());
    writeFileSync(join(project.root, "src/workflows/welcome.ts"), v1);

    // 2. Register it, as the README's diff says; wrangler dev rebuilds on save.
    const indexPath = join(project.root, "src/workflows/index.ts");
    writeFileSync(indexPath, applyHunk(readFileSync(indexPath, "utf8"), blockAfter("**2. Register it.**", "diff")));
    const listed = await until(
      "welcome is registered after the rebuild",
      () => readmeCommand("npx stepwise workflows", "workflows"),
      (r) => r.code === 0 && r.stdout.includes("welcome"),
      60_000,
      () => app!.output(),
    );
    expect(listed.stdout).toContain("welcome");

    // 3. Start it and read its result.
    const first = await readmeCommand(
      `npx stepwise start welcome --args '{"name":"Ada","waitMs":1000}' --wait`,
      "start",
      "welcome",
      "--args",
      '{"name":"Ada","waitMs":1000}',
      "--wait",
    );
    expect(first.stderr).not.toMatch(/error|EBADENGINE/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Hello, Ada!");
    expect(first.stdout).toContain("Still there, Ada?");

    // 4. A run that sleeps 30 s, its id picked out of --json by the README's own shell line.
    const runLine = SECTION.split("\n").find((l) => l.startsWith("RUN=$(npx stepwise start welcome")) as string;
    expect(runLine).toContain(`--args '{"name":"Grace","waitMs":30000}' --json`);
    const picked = await runBash(`${runLine}\necho "$RUN"`, {
      cwd: project.root,
      env: { ...process.env, PORT: String(port), STEPWISE_URL: "", STEPWISE_TOKEN: "" },
    });
    expect(picked.code, `${runLine}\n${picked.stderr}`).toBe(0);
    const runId = picked.stdout.trim();
    expect(runId).toMatch(/^run_[0-9a-f]{32}$/);
    const shown = await readmeCommand("npx stepwise show $RUN", "show", runId);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("sleeping");
    expect(shown.stdout).toContain("wait");

    // Stop the server while it sleeps (Ctrl-C), ship version 2, start the server again.
    expect(await app!.stop("SIGINT")).toEqual({ forced: false });
    expect(groupProcesses(app!.pid)).toEqual([]);
    const v2 = readFileSync(join(REPO_ROOT, "examples/first-workflow/welcome-v2.ts"), "utf8");
    expect(blockAfter("`src/workflows/welcome.ts` becomes:", "ts")).toBe(v2.trimEnd());
    writeFileSync(join(project.root, "src/workflows/welcome.ts"), v2);
    app = await project.start({ port });

    const versions = await readmeCommand("npx stepwise workflows", "workflows", "--json");
    expect(versions.code).toBe(0);
    const welcome = (JSON.parse(versions.stdout).workflows as { name: string; version: number; versions: { version: number; liveRuns: number }[] }[]).find(
      (w) => w.name === "welcome",
    );
    expect(welcome?.version).toBe(2);
    expect(welcome?.versions).toEqual([expect.objectContaining({ version: 1, liveRuns: 1 }), expect.objectContaining({ version: 2, liveRuns: 0 })]);

    // The sleeping run ends on version 1 (no tip), followed live to its end.
    const followed = await readmeCommand("npx stepwise events $RUN", "events", runId);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain("run.finished");
    const run = await stepwise("show", runId, "--json");
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "completed",
      version: 1,
      result: { greeting: "Hello, Grace!", checkIn: "Still there, Grace?" },
    });
    expect(JSON.parse(run.stdout).result).not.toHaveProperty("tip");

    // A new run starts on version 2.
    const second = await readmeCommand(
      `npx stepwise start welcome --args '{"name":"Linus","waitMs":1000}' --wait`,
      "start",
      "welcome",
      "--args",
      '{"name":"Linus","waitMs":1000}',
      "--wait",
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("npx stepwise show <runId> draws a run's steps.");
  });
});
