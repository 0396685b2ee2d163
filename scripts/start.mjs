// `npm start`: makes sure .dev.vars has an API_TOKEN (a random one, printed once when created), then
// runs `wrangler dev` on http://localhost:8787 with state persisted under .wrangler/state.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const varsPath = join(root, ".dev.vars");
const existing = existsSync(varsPath) ? readFileSync(varsPath, "utf8") : "";

if (!/^API_TOKEN=/m.test(existing)) {
  const token = randomBytes(24).toString("base64url");
  writeFileSync(varsPath, `${existing}${existing && !existing.endsWith("\n") ? "\n" : ""}API_TOKEN=${token}\n`, { mode: 0o600 });
  console.log(`Created .dev.vars with a new API token. Use it as:\n  export TOKEN=${token}\n  curl -H "Authorization: Bearer $TOKEN" http://localhost:8787/api/workflows\n`);
} else {
  console.log("Using API_TOKEN from .dev.vars (export TOKEN=$(grep ^API_TOKEN= .dev.vars | cut -d= -f2-)).\n");
}

const wrangler = join(root, "node_modules", ".bin", "wrangler");
const child = spawn(wrangler, ["dev", "--port", "8787", "--persist-to", join(root, ".wrangler", "state"), ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
