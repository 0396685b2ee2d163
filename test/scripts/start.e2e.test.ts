// `npm start` as a newcomer meets it, in a fresh copy of the project: the port from `PORT` or from
// `-- --port`, a free inspector port even when 9229 is taken, approval links that follow the port, one
// ready block, none of the alarming upstream lines, and Ctrl-C that leaves nothing running.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { parseEnv } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../helpers/dev-api.ts";
import { makeProjectCopy, type ProjectCopy } from "../helpers/project-copy.ts";
import { freePort, groupProcesses } from "../helpers/wrangler-dev.ts";

/** Lines the start printed before wrangler let us silence them (issue 14). */
const ALARMING = ["ENOTFOUND", "Unable to fetch the `Request.cf` object", "may incur usage charges", "Address already in use"];

/** Holds 127.0.0.1:9229 (wrangler's default inspector port) while the test runs, when nobody else does already. */
async function holdDefaultInspectorPort(): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen({ port: 9229, host: "127.0.0.1", exclusive: true }, () => resolve(server));
  });
}

describe("npm start", () => {
  let project: ProjectCopy;
  let inspectorHolder: Server | undefined;
  /** The run the first test starts; the second reads it after a restart on the same state. */
  let draftRunId: string;
  beforeAll(async () => {
    project = makeProjectCopy();
    inspectorHolder = await holdDefaultInspectorPort();
  });
  afterAll(() => {
    inspectorHolder?.close();
    project.dispose();
  });

  it("serves on PORT, points approval links at it, and prints one quiet ready block", async () => {
    const port = await freePort();
    const app = await project.start({ port });
    let stopped: { forced: boolean } | undefined;
    try {
      const out = app.output();
      for (const line of ALARMING) expect(out).not.toContain(line);
      const token = parseEnv(readFileSync(`${project.root}/.dev.vars`, "utf8")).API_TOKEN as string;
      expect(token).toMatch(/^[\w-]{32}$/);
      const block = out.slice(out.indexOf("Stepwise is running on"));
      expect(block).toContain(`Stepwise is running on http://localhost:${port} (this terminal stays with the server; Ctrl-C stops it).`);
      expect(block).toContain(`Console:   http://localhost:${port}/console`);
      expect(block).toContain(`export TOKEN=${token}`);
      expect(block).toContain("the offline model");
      expect(block).toContain(`links point at http://localhost:${port};`);
      expect(block).not.toContain("Warning:");
      // With 9229 held (when it was free), wrangler's default inspector port would have failed the start.
      const health = await fetch(`http://localhost:${port}/healthz`);
      expect(await health.json()).toEqual({ ok: true, errors: [], warnings: [] });

      // An approval email's link points at the port served, not at wrangler.toml's 8787.
      const started = await fetch(`http://localhost:${port}/api/workflows/draft-approval/runs`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ args: { topic: "ports" } }),
      });
      expect(started.status).toBe(201);
      draftRunId = ((await started.json()) as { runId: string }).runId;
      const textPath = (await until(
        "the approval email",
        async () => /Text: (\S+\.txt)/.exec(app.output())?.[1],
        (p) => p !== undefined,
        60_000,
        app.output,
      ))!;
      expect(readFileSync(textPath, "utf8")).toMatch(new RegExp(`http://localhost:${port}/approvals/[\\w.-]+`));
    } finally {
      stopped = await app.stop("SIGINT");
    }
    // Ctrl-C (SIGINT to the group) ends every process of it by itself, with no SIGKILL needed.
    expect(stopped).toEqual({ forced: false });
    expect(groupProcesses(app.pid)).toEqual([]);
  });

  it("takes the port from `npm start -- --port N` and reuses the token it made", async () => {
    const port = await freePort();
    const app = await project.start({ port, viaFlag: true });
    let stopped: { forced: boolean } | undefined;
    try {
      const out = app.output();
      for (const line of ALARMING) expect(out).not.toContain(line);
      expect(out).toContain(`Stepwise is running on http://localhost:${port}`);
      expect(out).toContain("API token: in .dev.vars: export TOKEN=$(grep ^API_TOKEN= .dev.vars | cut -d= -f2-)");
      expect(out).toContain(`CLI:       npx stepwise --help (with STEPWISE_URL=http://localhost:${port})`);
      expect(out).toContain(`links point at http://localhost:${port};`);
      // wrangler got one --port, ours (it refused two: "--port expects a single value").
      expect(out).not.toContain("expects a single value");
      // State persisted under the copy's .wrangler/state: the run started by the first test is still there.
      const token = parseEnv(readFileSync(`${project.root}/.dev.vars`, "utf8")).API_TOKEN as string;
      const run = await fetch(`http://localhost:${port}/api/runs/${draftRunId}?steps=none`, { headers: { authorization: `Bearer ${token}` } });
      expect(run.status).toBe(200);
      expect(await run.json()).toMatchObject({ runId: draftRunId, workflow: "draft-approval" });
    } finally {
      stopped = await app.stop("SIGINT");
    }
    // Ctrl-C (SIGINT to the group) ends every process of it by itself, with no SIGKILL needed.
    expect(stopped).toEqual({ forced: false });
    expect(groupProcesses(app.pid)).toEqual([]);
  });
});
