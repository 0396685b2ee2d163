// `npm start` (scripts/start.mjs) refuses an APPROVAL_SIGNING_KEY that cannot work before it starts
// anything. It runs from a copy in a temporary root (its .dev.vars there, no wrangler), so a usable
// key gets past the check and stops at the migrations step, which has no wrangler to run.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GOOD = "k2:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789";
const PAST_THE_CHECK = "Applying the D1 migrations failed";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Runs start.mjs in a fresh root holding `devVars` as .dev.vars (none when undefined), with `env` over a shell that sets neither secret. */
function start(devVars: string | undefined, env: Record<string, string> = {}, args: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "stepwise-start-"));
  roots.push(root);
  mkdirSync(join(root, "scripts"));
  for (const file of ["start.mjs", "start-options.ts", "free-port.ts"]) copyFileSync(join(ROOT, "scripts", file), join(root, "scripts", file));
  symlinkSync(join(ROOT, "src"), join(root, "src"));
  if (devVars !== undefined) writeFileSync(join(root, ".dev.vars"), devVars);
  const { APPROVAL_SIGNING_KEY: _key, API_TOKEN: _token, ...shell } = process.env;
  const run = spawnSync(process.execPath, [join(root, "scripts/start.mjs"), ...args], {
    cwd: root,
    env: { ...shell, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  const varsPath = join(root, ".dev.vars");
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    varsPath,
    devVars: existsSync(varsPath) ? readFileSync(varsPath, "utf8") : undefined,
  };
}

describe("npm start's signing key check", () => {
  it.each([
    ["a key id used twice", "APPROVAL_SIGNING_KEY=k1:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789", 'uses the key id "k1" twice'],
    ["two bare secrets", "APPROVAL_SIGNING_KEY=test-signing-key-two-0123456789,test-signing-key-one-0123456789", 'uses the key id "k1" twice'],
    ["a secret under 16 characters", "APPROVAL_SIGNING_KEY=k1:too-short", "secrets of at least 16 characters"],
    ["an empty value", "APPROVAL_SIGNING_KEY=", "must hold one or more kid:secret entries"],
    // wrangler reads .dev.vars as dotenv does: the quotes go, and these are the same key id twice.
    [
      "a quoted key id used twice",
      'APPROVAL_SIGNING_KEY="k1:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789"',
      'uses the key id "k1" twice',
    ],
  ])("refuses %s in .dev.vars, exiting 1 before anything starts", (_what, line, why) => {
    const vars = `API_TOKEN=local-token\n${line}\n`;
    const run = start(vars);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`.dev.vars: APPROVAL_SIGNING_KEY`);
    expect(run.stderr).toContain(why);
    expect(run.stderr).not.toContain(PAST_THE_CHECK);
    expect(run.stdout).not.toContain("API token");
    expect(run.devVars).toBe(vars);
  });

  it("gets past the check with a usable key in .dev.vars, leaving the file as it was", () => {
    const vars = `API_TOKEN=local-token\nAPPROVAL_SIGNING_KEY=${GOOD}\n`;
    const run = start(vars);
    expect(run.stderr).toContain(PAST_THE_CHECK);
    expect(run.stderr).not.toContain("APPROVAL_SIGNING_KEY");
    expect(run.devVars).toBe(vars);
  });

  it("checks the key wrangler dev will use, the one in .dev.vars, not one in the shell's environment", () => {
    const bad = start("API_TOKEN=local-token\nAPPROVAL_SIGNING_KEY=k1:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789\n", {
      APPROVAL_SIGNING_KEY: GOOD,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('uses the key id "k1" twice');

    const good = start(`API_TOKEN=local-token\nAPPROVAL_SIGNING_KEY=${GOOD}\n`, { APPROVAL_SIGNING_KEY: "k1:too-short" });
    expect(good.stderr).toContain(PAST_THE_CHECK);
  });

  it("keeps a key written the other ways dotenv allows (spaces around =, export), adding no second one", () => {
    const vars = `export API_TOKEN = local-token\nAPPROVAL_SIGNING_KEY = ${GOOD}\n`;
    const run = start(vars);
    expect(run.stderr).toContain(PAST_THE_CHECK);
    expect(run.devVars).toBe(vars);
  });

  it("creates a usable key (and a token) in a new .dev.vars, readable by its owner only", () => {
    const run = start(undefined);
    expect(run.stderr).toContain(PAST_THE_CHECK);
    expect(run.devVars).toMatch(/^API_TOKEN=[\w-]{32}\nAPPROVAL_SIGNING_KEY=k1:[\w-]{43}\n$/);
    expect(statSync(run.varsPath).mode & 0o777).toBe(0o600);
  });
});

describe("npm start's port", () => {
  const vars = `API_TOKEN=local-token\nAPPROVAL_SIGNING_KEY=${GOOD}\n`;

  it("refuses a port that is not a number, exiting 1 before anything starts", () => {
    const run = start(vars, {}, ["--port", "eighty"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('npm start: --port must be a port number from 1 to 65535, not "eighty".');
    expect(run.stderr).not.toContain(PAST_THE_CHECK);
  });

  it("says a port in use is in use, and how to choose another, before wrangler would fail on it", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const run = start(vars, { PORT: String(port) });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `npm start: port ${port} is in use (another npm start?). Choose another: PORT=${port + 1} npm start, or npm start -- --port ${port + 1}.`,
      );
      expect(run.stderr).not.toContain(PAST_THE_CHECK);
    } finally {
      server.close();
    }
  });
});
