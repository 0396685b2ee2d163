// `npm start`: makes sure .dev.vars has an API_TOKEN and an APPROVAL_SIGNING_KEY (random ones, the token
// printed once when created), applies the app's D1 migrations locally, then runs `wrangler dev --local`
// with state under .wrangler/state, on the port asked for (`PORT=8788 npm start`, `npm start -- --port
// 8788`; 8787 by default) and a free inspector port, and prints one block saying where everything is
// once the app answers. The terminal stays with the server until Ctrl-C.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { parseSigningKeys } from "../src/approvals/core/token.ts";
import { freePort, portFree } from "./free-port.ts";
import { StartUsageError, startOptions } from "./start-options.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const varsPath = join(root, ".dev.vars");
const existing = existsSync(varsPath) ? readFileSync(varsPath, "utf8") : "";

let options;
try {
  options = startOptions(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof StartUsageError)) throw err;
  console.error(`npm start: ${err.message}`);
  process.exit(1);
}
const { port } = options;
const origin = `http://localhost:${port}`;

// Secrets for local dev live in .dev.vars (never committed); create the missing ones with random values.
// The file is read as wrangler reads it (dotenv: quotes, spaces around "=", `export`), so a secret
// written any of those ways is found, checked and kept, never shadowed by a random one appended after it.
let vars = existing;
const added = [];
for (const [name, make] of [
  ["API_TOKEN", () => randomBytes(24).toString("base64url")],
  ["APPROVAL_SIGNING_KEY", () => `k1:${randomBytes(32).toString("base64url")}`],
]) {
  if (Object.hasOwn(parseEnv(vars), name)) continue;
  const value = make();
  vars += `${vars && !vars.endsWith("\n") ? "\n" : ""}${name}=${value}\n`;
  added.push([name, value]);
}
if (added.length > 0) writeFileSync(varsPath, vars, { mode: 0o600 });

// Refuse signing keys that cannot work (a key id used twice, a short secret) before starting. wrangler
// dev takes them from .dev.vars alone (the shell's environment is not passed on), so that is what is checked.
const devVars = parseEnv(vars);
try {
  parseSigningKeys(devVars.APPROVAL_SIGNING_KEY);
} catch (err) {
  console.error(`.dev.vars: ${err.message}`);
  process.exit(1);
}

// Approval links point at PUBLIC_BASE_URL: the port served here, unless one was set. wrangler dev takes a
// `--var` first, then .dev.vars (over wrangler.toml's); one in the environment is passed on as a `--var`.
const publicBaseUrl = options.publicBaseUrlVar ?? devVars.PUBLIC_BASE_URL ?? process.env.PUBLIC_BASE_URL ?? origin;
const baseUrlArgs = options.publicBaseUrlVar === null && devVars.PUBLIC_BASE_URL === undefined ? ["--var", `PUBLIC_BASE_URL:${publicBaseUrl}`] : [];

if (!(await portFree(port))) {
  console.error(`npm start: port ${port} is in use (another npm start?). Choose another: PORT=${port + 1} npm start, or npm start -- --port ${port + 1}.`);
  process.exit(1);
}
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const persistTo = join(root, ".wrangler", "state");
// CLOUDFLARE_CF_FETCH_ENABLED=false: no attempt to download the Request.cf sample (offline it printed a
// getaddrinfo stack on every start); requests get miniflare's placeholder `cf`, as they did after that failure.
const wranglerEnv = { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env, WRANGLER_SEND_METRICS: "false" };

// The app's data (D1, binding DB): apply migrations/ to the local database wrangler dev will use. With
// stdin not a terminal and CI set, wrangler applies without asking; it needs no network. Its output is
// shown only when it fails, or when it applied something.
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...wranglerEnv, CI: "true" },
  encoding: "utf8",
});
if (migrate.status !== 0) {
  process.stdout.write(migrate.stdout ?? "");
  process.stderr.write(migrate.stderr ?? "");
  console.error(`Applying the D1 migrations failed (${migrate.error?.message ?? `exit code ${migrate.status}`}); not starting.`);
  process.exit(1);
}
const applied = [...(migrate.stdout ?? "").matchAll(/│\s*(\d{4}_[\w-]+\.sql)\s*│\s*✅/g)].map((m) => m[1]);
if (applied.length > 0) console.log(`Applied the D1 migrations ${applied.join(", ")} to the local database.`);

// wrangler's inspector defaults to 9229, which a debugger or a second server may hold: take a free one,
// just before wrangler starts (the migrations above take seconds).
const inspectorPort = options.inspectorPort ?? (await freePort());

// --local: the Workers AI binding is remote-only (`remote = true` in wrangler.toml, which also keeps
// wrangler from warning about charges), so it is left out and agents use the offline model.
const args = [
  "dev",
  "--local",
  "--port",
  String(port),
  "--inspector-port",
  String(inspectorPort),
  "--persist-to",
  persistTo,
  "--var",
  "STEPWISE_MODEL:offline",
  ...baseUrlArgs,
  ...options.passthrough,
];
const child = spawn(wrangler, args, { cwd: root, stdio: "inherit", env: wranglerEnv });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Once the app answers, one block that says where everything is.
const deadline = Date.now() + 120_000;
let health;
while (health === undefined && Date.now() < deadline && child.exitCode === null) {
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
    health = await res.json();
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
if (health !== undefined) {
  const token = devVars.API_TOKEN;
  const tokenLine = added.some(([name]) => name === "API_TOKEN")
    ? `created in .dev.vars; use it as: export TOKEN=${token}`
    : "in .dev.vars: export TOKEN=$(grep ^API_TOKEN= .dev.vars | cut -d= -f2-)";
  const lines = [
    "",
    `Stepwise is running on ${origin} (this terminal stays with the server; Ctrl-C stops it).`,
    `  Console:   ${origin}/console (sign in with the API token)`,
    `  API token: ${tokenLine}`,
    `  CLI:       npx stepwise --help${port === 8787 ? "" : ` (with STEPWISE_URL=${origin})`}, in another terminal`,
    "  Agents:    the offline model (Workers AI is remote-only; a deploy uses it)",
    `  Approvals: links point at ${publicBaseUrl}; emails are not sent, wrangler prints "send_email binding called" and a .txt path per message`,
  ];
  for (const error of health.errors ?? []) lines.push(`  Error:     ${error}`);
  for (const warning of health.warnings ?? []) lines.push(`  Warning:   ${warning}`);
  console.log(`${lines.join("\n")}\n`);
}
