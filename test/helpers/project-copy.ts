/// <reference types="node" />
// A throwaway copy of the project, for tests that run `npm start` (scripts/start.mjs) or change the
// app's own files as a user would (write src/workflows/*.ts): its own .dev.vars, .wrangler/state and
// sources, the repository's node_modules by symlink. Removed by dispose(), and at exit by the process
// group tracking in wrangler-dev.ts for what it started.
//
//   const project = makeProjectCopy();
//   const app = await project.start({ port });           // node scripts/start.mjs, as `npm start` runs it
//   await app.stop("SIGINT");                             // Ctrl-C
//   project.dispose();
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "./dev-api.ts";
import { type GroupChild, REPO_ROOT, spawnGroup } from "./wrangler-dev.ts";

/** What a user's checkout holds that `npm start` and the Worker need (node_modules comes as a symlink). */
const COPIED = ["package.json", "wrangler.toml", "tsconfig.json", "migrations", "scripts", "src"];

/** The line start.mjs prints once the app answers. */
export const READY_LINE = "Stepwise is running on";

export interface ProjectCopy {
  readonly root: string;
  /**
   * Runs scripts/start.mjs in the copy (its own process group; Node 24, as `npm start` does) and waits
   * for its ready block. `port` goes in as `PORT` unless `viaFlag`, then as `--port`.
   */
  start(opts: { port: number; viaFlag?: boolean; args?: string[]; env?: Record<string, string> }): Promise<GroupChild>;
  dispose(): void;
}

export function makeProjectCopy(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), "stepwise-project-"));
  for (const entry of COPIED) {
    cpSync(join(REPO_ROOT, entry), join(root, entry), { recursive: true, filter: (src) => !src.includes("/.wrangler") });
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
  const started: GroupChild[] = [];
  return {
    root,
    async start({ port, viaFlag = false, args = [], env = {} }) {
      const node = join(REPO_ROOT, "node_modules", ".bin", "node");
      const app = spawnGroup(node, ["scripts/start.mjs", ...(viaFlag ? ["--port", String(port)] : []), ...args], {
        cwd: root,
        env: {
          ...process.env,
          PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
          ...(viaFlag ? {} : { PORT: String(port) }),
          NO_COLOR: "1",
          FORCE_COLOR: "0",
          ...env,
        },
      });
      started.push(app);
      let ended: number | null | undefined;
      void app.exited.then((code) => (ended = code));
      await until(
        "npm start's ready block",
        async () => ({ ready: app.output().includes(READY_LINE), ended }),
        (seen) => seen.ready || seen.ended !== undefined,
        90_000,
        () => app.output(),
      );
      if (!app.output().includes(READY_LINE)) throw new Error(`npm start ended before it was ready:\n${app.output()}`);
      return app;
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
