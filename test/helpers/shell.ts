/// <reference types="node" />
// Runs shell text with bash as a README reader would paste it: `set -euo pipefail` first, so a failing
// command (a curl that cannot connect, a sed on empty input in a pipe) fails the whole script.
import { execFile } from "node:child_process";

/** Exit code (-1 when killed), stdout and stderr of `bash -c` over `script`. */
export function runBash(
  script: string,
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      "bash",
      ["-c", `set -euo pipefail\n${script}\n`],
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 90_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    ),
  );
}
