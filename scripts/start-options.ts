// What `npm start` was asked for: the port (`PORT=8788 npm start` or `npm start -- --port 8788`), the
// inspector port if one was given, and the `wrangler dev` arguments to pass on. Pure, so it is tested
// without starting anything (test/scripts/start-options.unit.test.ts).

export const DEFAULT_PORT = 8787;

export interface StartOptions {
  /** The HTTP port the app is served on. */
  port: number;
  /** The inspector port asked for with `--inspector-port`, or null: start.mjs picks a free one. */
  inspectorPort: number | null;
  /** PUBLIC_BASE_URL passed with `--var` by the caller, or null. */
  publicBaseUrlVar: string | null;
  /** Every other argument, for `wrangler dev` as given. */
  passthrough: string[];
}

/** A usage error: start.mjs prints its message and exits 1 before anything starts. */
export class StartUsageError extends Error {}

function parsePort(value: string | undefined, from: string): number {
  if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new StartUsageError(`${from} must be a port number from 1 to 65535, not ${value === undefined ? "nothing" : JSON.stringify(value)}.`);
  }
  return Number(value);
}

/**
 * Reads `--port N` / `--port=N` and `--inspector-port N` from the arguments (a port given there wins
 * over `PORT`), and notes a `--var PUBLIC_BASE_URL:...` so that start.mjs does not pass a second one.
 */
export function startOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartOptions {
  let port: number | null = null;
  let inspectorPort: number | null = null;
  let publicBaseUrlVar: string | null = null;
  const passthrough: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (flag === "--port" || flag === "--inspector-port") {
      const value = inline ?? argv[++i];
      const parsed = parsePort(value, flag);
      if (flag === "--port") port = parsed;
      else inspectorPort = parsed;
      continue;
    }
    if (flag === "--var") {
      const value = inline ?? argv[i + 1];
      if (value?.startsWith("PUBLIC_BASE_URL:")) publicBaseUrlVar = value.slice("PUBLIC_BASE_URL:".length);
    }
    passthrough.push(arg);
  }
  if (port === null) port = env.PORT === undefined || env.PORT === "" ? DEFAULT_PORT : parsePort(env.PORT, "PORT");
  return { port, inspectorPort, publicBaseUrlVar, passthrough };
}
