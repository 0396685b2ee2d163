/// <reference types="node" />
// Starts `wrangler dev` as its own process group for Node-side tests and the bench.
//
//   const dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: "t" } });
//   await fetch(dev.url + "/healthz");
//   await dev.stop("SIGKILL"); await dev.restart();   // same persistDir, new port
//   await dev.dispose();                              // stop + remove the temp dirs we made
//   await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", dev.persistDir, "--command", "select 1"]);
//
// Paths (config, persistDir, cwd) are resolved against the repository root, whatever the cwd.
// Each server gets free ports (HTTP and inspector), its own process group, and a private TMPDIR
// (miniflare's scratch files live there until dispose(); local emails do not: miniflare writes them
// under `.wrangler/tmp/email/` beside the config, which is git-ignored). Every server still
// alive when the Node process exits (or is ended by SIGINT, SIGTERM or SIGHUP) is SIGKILLed (whole
// group) from an 'exit' handler, and the temp dirs made here are removed, so a crashed or killed test
// run does not leak wrangler/workerd processes.
//
// When the config declares D1 databases, the first start() applies their migrations (`wrangler d1
// migrations apply --local`) to the persist dir, as `npm start` does, so the Worker finds its tables.
// That command takes 3-4 s, so it runs once per set of inputs (the config, its migration files,
// wrangler's version) into a template under node_modules/.cache; a fresh persist dir starts as a copy.
//
// Caveat: `wrangler dev` rebuilds and reloads the Worker when a bundled source file, or the repo's
// package.json / tsconfig.json, changes; requests in flight then fail with HTTP 503 "Your worker
// restarted mid-request". Editing the tree while a process test runs can make it flaky.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/free-port.ts";

/** A free port for a server started next (see scripts/free-port.ts); the tests take it from here. */
export { freePort };

export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface StartOptions {
  /** wrangler config file, relative to the repository root (or absolute). */
  config: string;
  /** --persist-to directory; default: a fresh mkdtemp directory (removed by dispose()). */
  persistDir?: string;
  /** --var K:V pairs. */
  vars?: Record<string, string>;
  /** Path polled until it answers with a non-5xx status. Default "/healthz". */
  readyPath?: string;
  /** Extra environment variables for the wrangler process. */
  env?: Record<string, string>;
  /** How long to wait for readiness. Default 60 000 ms. */
  readyTimeoutMs?: number;
  /** Extra raw CLI arguments appended to `wrangler dev`. */
  extraArgs?: string[];
  /**
   * Working directory of wrangler, relative to the repository root (or absolute). Default: the
   * repository root. Note that wrangler dev reloads the Worker when package.json or tsconfig.json of
   * its working directory change.
   */
  cwd?: string;
}

export interface DevServer {
  /** http://127.0.0.1:<port>, updated by restart(). */
  readonly url: string;
  readonly port: number;
  readonly persistDir: string;
  /** pid (= process-group id) of the current wrangler process, or undefined when stopped. */
  readonly pid: number | undefined;
  /** The DevTools inspector port of the Worker (wrangler's inspector proxy), updated by restart(). */
  readonly inspectorPort: number;
  /** Signals the whole process group and waits until it is gone. Default SIGTERM, then SIGKILL after 5 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops (if running, SIGTERM) and starts again on the same persistDir; url/port may change. */
  restart(): Promise<void>;
  /** stop(), then remove the server's TMPDIR and persistDir if this helper created it. */
  dispose(): Promise<void>;
  /** The last ~256 KiB of combined stdout/stderr (of all starts of this server). */
  logs(): string;
}

const LOG_LIMIT = 256 * 1024;
const STOP_GRACE_MS = 5_000;
const GROUP_GONE_TIMEOUT_MS = 10_000;

function fromRoot(p: string): string {
  return isAbsolute(p) ? p : resolve(REPO_ROOT, p);
}

/** Node >= 22 to run wrangler: the project's pinned node if present, else the current one. */
function nodeBinary(): string {
  const pinned = join(REPO_ROOT, "node_modules", ".bin", "node");
  return existsSync(pinned) ? pinned : process.execPath;
}

function wranglerEntry(): string {
  const entry = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(entry)) throw new Error(`wrangler not installed: ${entry} missing (run npm ci)`);
  return entry;
}

/** [executable, ...args] that run the project's wrangler CLI, e.g. spawn(cmd[0], [...cmd.slice(1), "deploy", "--dry-run"]). */
export function wranglerCommand(): [string, string] {
  return [nodeBinary(), wranglerEntry()];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The D1 databases of a wrangler.toml that have migrations: each `[[d1_databases]]` table's binding and
 * its migrations folder (`migrations_dir`, default "migrations", relative to the config), when it exists.
 * A line-based read of the few keys needed, not a TOML parser (the repository's configs are all TOML;
 * a JSON config's databases are not seen).
 */
export function d1Migrations(configPath: string): { binding: string; dir: string }[] {
  if (!configPath.endsWith(".toml")) return [];
  const found: { binding: string; dir: string }[] = [];
  let current: { binding?: string; dir: string } | undefined;
  const flush = () => {
    if (current?.binding !== undefined && existsSync(current.dir)) found.push({ binding: current.binding, dir: current.dir });
    current = undefined;
  };
  for (const line of readFileSync(configPath, "utf8").split("\n")) {
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      flush();
      if (header[1] === "d1_databases" && line.trim().startsWith("[[")) current = { dir: resolve(dirname(configPath), "migrations") };
      continue;
    }
    const entry = /^\s*(binding|migrations_dir)\s*=\s*"([^"]*)"/.exec(line);
    if (current === undefined || entry === null) continue;
    if (entry[1] === "binding") current.binding = entry[2]!;
    else current.dir = resolve(dirname(configPath), entry[2]!);
  }
  flush();
  return found;
}

export interface GroupProcess {
  pid: number;
  /** The executable's name (e.g. "workerd", "node"). */
  comm: string;
  /** Resident set size in KiB (VmRSS), 0 when unreadable. */
  rssKiB: number;
}

/** Live (non-zombie) processes of process group pgid, from /proc (Linux only; [] elsewhere). */
export function groupProcesses(pgid: number): GroupProcess[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: GroupProcess[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces/parens, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = rest[0];
    if (Number(rest[2]) !== pgid || state === "Z" || state === "X") continue;
    let rssKiB = 0;
    try {
      rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${e}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
    found.push({ pid: Number(e), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), rssKiB });
  }
  return found;
}

/** Whether any live process is left in group pgid. Linux: /proc; elsewhere: kill(-pgid, 0). */
function groupAlive(pgid: number): boolean {
  if (process.platform === "linux" && existsSync("/proc/self/stat")) return groupProcesses(pgid).length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

// Every group we started and have not seen die; SIGKILLed on process exit.
const liveGroups = new Set<number>();
// Temp dirs created here (persist dirs we made, TMPDIRs of live servers); removed on process exit.
const ownedDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) killGroup(pgid, "SIGKILL");
    liveGroups.clear();
    for (const d of ownedDirs) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
  // A signal would end this process without 'exit' handlers: exit on it, so the one above runs,
  // unless someone else handles the signal (bench/run.ts stops its server first, then exits).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      if (process.listenerCount(signal) === 0) process.exit(signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 129);
    });
  }
}

/**
 * Runs a wrangler command to its end, in its own process group like a server (a local D1 command runs
 * workerd, which must not outlive it): its exit code (null when killed at `timeoutMs`) and its output.
 * @example
 * const { code, stdout } = await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", dir, "--command", "select 1"]);
 */
export async function runWrangler(
  args: string[],
  opts: { cwd?: string | undefined; env?: NodeJS.ProcessEnv; timeoutMs?: number | undefined } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  installExitHook();
  const child = spawn(nodeBinary(), [wranglerEntry(), ...args], {
    cwd: fromRoot(opts.cwd ?? "."),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: opts.env ?? { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`failed to spawn wrangler ${args[0]}`);
  liveGroups.add(pid);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => killGroup(pid, "SIGKILL"), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((res) => {
    child.once("exit", (exitCode) => res(exitCode));
    child.once("error", (err) => {
      stderr += `\nspawn error: ${err.message}\n`;
      res(null);
    });
  });
  clearTimeout(timer);
  killGroup(pid, "SIGKILL");
  liveGroups.delete(pid);
  return { code, stdout, stderr };
}

/** A command started in its own process group by `spawnGroup`: its output so far, its end, and a stop for the whole group. */
export interface GroupChild {
  readonly pid: number;
  /** Combined stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when ended by a signal) once the command's own process exits. */
  readonly exited: Promise<number | null>;
  /**
   * Signals the whole group (default SIGTERM, then SIGKILL after 5 s) and waits until no process of it is
   * left. `forced`: some process was still there after 5 s and had to be SIGKILLed.
   */
  stop(signal?: NodeJS.Signals): Promise<{ forced: boolean }>;
}

/**
 * Starts a command in its own process group, tracked like the servers here (SIGKILLed at exit if still
 * alive), for tests that run a script which itself starts wrangler (`npm start`'s scripts/start.mjs).
 * @example
 * const app = spawnGroup(process.execPath, ["scripts/start.mjs", "--port", "8790"], { cwd: root });
 * await until("ready", async () => app.output(), (out) => out.includes("Stepwise is running"));
 * await app.stop("SIGINT");
 */
export function spawnGroup(command: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): GroupChild {
  installExitHook();
  const child = spawn(command, args, { cwd: opts.cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`failed to spawn ${command}`);
  liveGroups.add(pid);
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((res) => {
    child.once("exit", (code) => res(code));
    child.once("error", (err) => {
      out += `\nspawn error: ${err.message}\n`;
      res(null);
    });
  });
  return {
    pid,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      killGroup(pid, signal);
      const deadline = Date.now() + STOP_GRACE_MS;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
      const forced = groupAlive(pid);
      if (forced) killGroup(pid, "SIGKILL");
      const gone = Date.now() + GROUP_GONE_TIMEOUT_MS;
      while (groupAlive(pid) && Date.now() < gone) await sleep(50);
      liveGroups.delete(pid);
      return { forced };
    },
  };
}

class WranglerDevServer implements DevServer {
  url = "";
  port = 0;
  inspectorPort = 0;
  readonly persistDir: string;
  private readonly opts: StartOptions;
  private readonly ownsDir: boolean;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  private buf = "";
  /** TMPDIR of the wrangler processes (miniflare writes scratch files there, e.g. local emails); removed by dispose() and at exit. */
  private readonly scratchDir: string;
  /** Whether the config's D1 migrations were applied to persistDir (once: restarts keep the dir). */
  private migrated = false;

  constructor(opts: StartOptions) {
    this.opts = opts;
    if (opts.persistDir) {
      this.persistDir = fromRoot(opts.persistDir);
      this.ownsDir = false;
    } else {
      this.persistDir = mkdtempSync(join(tmpdir(), "stepwise-wrangler-"));
      this.ownsDir = true;
      ownedDirs.add(this.persistDir);
    }
    this.scratchDir = mkdtempSync(join(tmpdir(), "stepwise-wrangler-tmp-"));
    ownedDirs.add(this.scratchDir);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  logs(): string {
    return this.buf;
  }

  private append(chunk: string): void {
    this.buf += chunk;
    if (this.buf.length > LOG_LIMIT) this.buf = this.buf.slice(this.buf.length - LOG_LIMIT);
  }

  /** The environment of every wrangler process of this server. */
  private wranglerEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CI: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      TMPDIR: this.scratchDir,
      ...(this.opts.env ?? {}),
    };
  }

  /**
   * Gives persistDir the config's D1 migrations, as `npm start` does: an empty one becomes a copy of the
   * template they were applied to once (see migratedTemplate); one that holds state has them applied.
   */
  private async migrate(): Promise<void> {
    const config = fromRoot(this.opts.config);
    const databases = d1Migrations(config);
    if (databases.length > 0) {
      if (readdirSync(this.persistDir).length === 0) {
        const template = await this.migratedTemplate(config, databases);
        this.append(`\n[wrangler-dev] D1 migrations: a copy of ${template}\n`);
        cpSync(template, this.persistDir, { recursive: true });
      } else {
        await this.applyMigrations(config, databases, this.persistDir);
      }
    }
    this.migrated = true;
  }

  /** `wrangler d1 migrations apply --local` for each database (CI=true: no prompt). */
  private async applyMigrations(config: string, databases: { binding: string }[], persistDir: string): Promise<void> {
    for (const { binding } of databases) {
      this.append(`\n[wrangler-dev] applying the D1 migrations of ${binding}\n`);
      const { code, stdout, stderr } = await runWrangler(["d1", "migrations", "apply", binding, "--local", "--persist-to", persistDir, "--config", config], {
        cwd: this.opts.cwd,
        env: this.wranglerEnv(),
        timeoutMs: this.opts.readyTimeoutMs,
      });
      this.append(stdout + stderr);
      if (code !== 0) throw new Error(`wrangler d1 migrations apply ${binding} exited with ${code}.\n--- logs ---\n${this.buf}`);
    }
  }

  /**
   * A persist dir holding nothing but the databases' migrations, named by a hash of what they depend on
   * (the config, each migration file, wrangler's version). Built aside and renamed into place, so test
   * processes that build it at once each see a whole one.
   */
  private async migratedTemplate(config: string, databases: { binding: string; dir: string }[]): Promise<string> {
    const hash = createHash("sha256");
    hash.update(readFileSync(config)).update(readFileSync(join(REPO_ROOT, "node_modules", "wrangler", "package.json")));
    for (const { binding, dir } of databases) {
      hash.update(`\0${binding}\0${dir}`);
      for (const name of readdirSync(dir).sort()) hash.update(`\0${name}\0`).update(readFileSync(join(dir, name)));
    }
    const cache = join(REPO_ROOT, "node_modules", ".cache", "stepwise-d1");
    const template = join(cache, hash.digest("hex").slice(0, 24));
    if (existsSync(template)) return template;
    mkdirSync(cache, { recursive: true });
    const building = mkdtempSync(`${template}.building-`);
    try {
      await this.applyMigrations(config, databases, building);
      renameSync(building, template);
    } catch (error) {
      // Another process renamed its copy into place first: that one is as good.
      if (!existsSync(template)) throw error;
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
    return template;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error("wrangler dev already running");
    installExitHook();
    if (!this.migrated) await this.migrate();
    const port = await freePort();
    let inspectorPort = await freePort();
    while (inspectorPort === port) inspectorPort = await freePort();
    this.inspectorPort = inspectorPort;

    const args = [
      wranglerEntry(),
      "dev",
      "--config",
      fromRoot(this.opts.config),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      this.persistDir,
      "--show-interactive-dev-session=false",
      "--local",
    ];
    for (const [k, v] of Object.entries(this.opts.vars ?? {})) args.push("--var", `${k}:${v}`);
    args.push(...(this.opts.extraArgs ?? []));

    this.append(`\n[wrangler-dev] starting on :${port} (inspector :${inspectorPort}) persist=${this.persistDir}\n`);
    const child = spawn(nodeBinary(), args, {
      cwd: fromRoot(this.opts.cwd ?? "."),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: this.wranglerEnv(),
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error("failed to spawn wrangler dev");
    this.child = child;
    this.exitInfo = undefined;
    liveGroups.add(pid);
    child.stdout?.setEncoding("utf8").on("data", (d: string) => this.append(d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => this.append(d));
    this.exited = new Promise<void>((res) => {
      child.once("exit", (code, sig) => {
        this.exitInfo = `exited with code ${code} signal ${sig}`;
        this.append(`\n[wrangler-dev] ${this.exitInfo}\n`);
        res();
      });
      child.once("error", (err) => {
        this.exitInfo = `spawn error: ${err.message}`;
        this.append(`\n[wrangler-dev] ${this.exitInfo}\n`);
        res();
      });
    });
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;

    try {
      await this.waitReady();
    } catch (err) {
      await this.stop("SIGKILL");
      throw err;
    }
  }

  private async waitReady(): Promise<void> {
    const path = this.opts.readyPath ?? "/healthz";
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000);
    let last = "no response yet";
    while (Date.now() < deadline) {
      if (this.exitInfo !== undefined) {
        throw new Error(`wrangler dev ${this.exitInfo} before it was ready.\n--- logs ---\n${this.buf}`);
      }
      try {
        const res = await fetch(this.url + path, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status < 500) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(100);
    }
    throw new Error(`wrangler dev not ready at ${this.url}${path} after ${this.opts.readyTimeoutMs ?? 60_000} ms (last: ${last}).\n--- logs ---\n${this.buf}`);
  }

  async stop(signal?: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    const pgid = child.pid;
    killGroup(pgid, signal ?? "SIGTERM");
    if (signal !== "SIGKILL") {
      const graceful = await Promise.race([this.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!graceful) this.append(`\n[wrangler-dev] no exit after ${STOP_GRACE_MS} ms, sending SIGKILL\n`);
    }
    // Whatever is left of the group (workerd, the inner node) goes now.
    killGroup(pgid, "SIGKILL");
    await this.exited;
    const deadline = Date.now() + GROUP_GONE_TIMEOUT_MS;
    while (groupAlive(pgid) && Date.now() < deadline) {
      killGroup(pgid, "SIGKILL");
      await sleep(20);
    }
    liveGroups.delete(pgid);
    child.stdout?.destroy();
    child.stderr?.destroy();
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.scratchDir, { recursive: true, force: true });
    ownedDirs.delete(this.scratchDir);
    if (this.ownsDir) {
      rmSync(this.persistDir, { recursive: true, force: true });
      ownedDirs.delete(this.persistDir);
    }
  }
}

export async function startWranglerDev(opts: StartOptions): Promise<DevServer> {
  const server = new WranglerDevServer(opts);
  try {
    await server.start();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return server;
}
