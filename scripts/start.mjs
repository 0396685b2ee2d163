// `npm start`: makes sure .dev.vars has an API_TOKEN (a random one, printed once when created), applies
// the app's D1 migrations locally, then runs `wrangler dev` on http://localhost:8787 with state under .wrangler/state.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { parseSigningKeys } from "../src/approvals/core/token.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const varsPath = join(root, ".dev.vars");
const existing = existsSync(varsPath) ? readFileSync(varsPath, "utf8") : "";

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
const token = devVars.API_TOKEN;
if (added.some(([name]) => name === "API_TOKEN")) {
  console.log(
    `Created an API token in .dev.vars. Use it as:\n  export TOKEN=${token}\n  curl -H "Authorization: Bearer $TOKEN" http://localhost:8787/api/workflows\n`,
  );
} else {
  console.log("Using the API token in .dev.vars (export TOKEN=$(grep ^API_TOKEN= .dev.vars | cut -d= -f2-)).\n");
}
console.log("The console: http://localhost:8787/console (sign in with that token).\n");
console.log("Approval emails are not sent locally: wrangler prints 'send_email binding called' with the path of a text file holding each message.\n");

const wrangler = join(root, "node_modules", ".bin", "wrangler");
const persistTo = join(root, ".wrangler", "state");
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };

// The app's data (D1, binding DB): apply migrations/ to the local database wrangler dev will use. With
// stdin not a terminal and CI set, wrangler applies without asking; it needs no network.
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...wranglerEnv, CI: "true" },
});
if (migrate.status !== 0) {
  console.error(`Applying the D1 migrations failed (${migrate.error?.message ?? `exit code ${migrate.status}`}); not starting.`);
  process.exit(1);
}

// --local: the Workers AI binding is remote-only, so it is left inert and agents use the offline model.
const args = ["dev", "--local", "--port", "8787", "--persist-to", persistTo, "--var", "STEPWISE_MODEL:offline", ...process.argv.slice(2)];
const child = spawn(wrangler, args, {
  cwd: root,
  stdio: "inherit",
  env: wranglerEnv,
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
