/// <reference types="node" />
// Runs the `stepwise` command line as a child process for Node-side tests, the way an operator does:
// `node src/cli/main.ts ...` (the Node running the tests), or `npx stepwise ...` from the repository root.
//
//   const { code, stdout } = await runStepwise(["workflows"], { env: { STEPWISE_URL: dev.url, STEPWISE_TOKEN: TOKEN } });
//   const events = spawnStepwise(["events", runId], { env });   // runs on while the test acts
//   await events.waitFor(/step\.waiting/);  ...  expect((await events.done).code).toBe(0);
//
// STEPWISE_URL, STEPWISE_TOKEN and PORT of the test process are not passed on: a test gives its own.

import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./wrangler-dev.ts";

export const CLI_MAIN = join(REPO_ROOT, "src", "cli", "main.ts");

export interface CliResult {
  /** The exit code; null when the process was ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Working directory (where .dev.vars is looked for). Default: the repository root. */
  cwd?: string;
  /** "node" (default): process.execPath with src/cli/main.ts; "npx": `npx --no stepwise`, through package.json's bin. */
  via?: "node" | "npx";
}

export interface CliProcess {
  /** stdout and stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with stdout once it matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves when the process has ended. */
  readonly done: Promise<CliResult>;
  /** SIGTERM, if still running. */
  stop(): void;
}

const live = new Set<ChildProcess>();

/** Starts `stepwise args` and returns at once: its output as it comes, and its end. */
export function spawnStepwise(args: string[], opts: CliOptions = {}): CliProcess {
  const { STEPWISE_URL: _url, STEPWISE_TOKEN: _token, PORT: _port, ...inherited } = process.env;
  const env = { ...inherited, NO_COLOR: "1", npm_config_update_notifier: "false", ...opts.env };
  const [command, argv] = opts.via === "npx" ? ["npx", ["--no", "stepwise", ...args]] : [process.execPath, [CLI_MAIN, ...args]];
  const child = spawn(command, argv, { cwd: opts.cwd ?? REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let stdout = "";
  let stderr = "";
  const waiters = new Set<{ pattern: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }>();
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    for (const w of waiters) {
      if (!w.pattern.test(stdout)) continue;
      waiters.delete(w);
      w.resolve(stdout);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => {
    child.once("close", (code) => {
      live.delete(child);
      for (const w of waiters) w.reject(new Error(`stepwise ${args.join(" ")} ended (${code}) before its output matched ${w.pattern}:\n${stdout}\n${stderr}`));
      waiters.clear();
      resolve({ code, stdout, stderr });
    });
  });
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor(pattern) {
      if (pattern.test(stdout)) return Promise.resolve(stdout);
      if (child.exitCode !== null) return Promise.reject(new Error(`stepwise ${args.join(" ")} has ended; its output never matched ${pattern}`));
      return new Promise((resolve, reject) => waiters.add({ pattern, resolve, reject }));
    },
    done,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
  };
}

/**
 * Runs `stepwise args` to its end.
 * @example
 * const { code, stdout, stderr } = await runStepwise(["start", "await-approval", "--args", '{"request":"x"}'], { env });
 */
export function runStepwise(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnStepwise(args, opts).done;
}

/** Ends every command line these helpers started that still runs (for afterAll). */
export function stopStepwise(): void {
  for (const child of live) child.kill("SIGTERM");
}
