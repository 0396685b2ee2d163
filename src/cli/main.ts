#!/usr/bin/env node
// `stepwise`, the command line (package.json "bin"): runs on Node 24 by type stripping (`npx stepwise`
// finds the `node` devDependency first in PATH). Everything is in cli.ts; this wires it to the process.
import { setTimeout as sleep } from "node:timers/promises";
import { runCli } from "./cli.ts";

// A reader that stops early (`stepwise runs | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: Date.now,
  sleep: (ms) => sleep(ms),
  tty: process.stdout.isTTY === true,
});
