// Where the command line connects and with which token: a flag, then the environment, then (for the
// token) the API_TOKEN that `npm start` keeps in .dev.vars. The token is never printed, only where it came from.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseEnv } from "node:util";
import { UsageError } from "./exit-codes.ts";

export interface Connection {
  /** The deployment's origin (and base path, if any), e.g. http://localhost:8787. */
  url: string;
  token: string | undefined;
  /** Where the token came from ("--token", "STEPWISE_TOKEN", a .dev.vars path), for messages; undefined without one. */
  tokenFrom: string | undefined;
}

export interface ConnectionSources {
  flags: { url?: string | undefined; token?: string | undefined };
  env: Readonly<Record<string, string | undefined>>;
  /** Where .dev.vars is looked for: this directory, then each parent. */
  cwd: string;
}

/**
 * The URL and token to use: `--url` / STEPWISE_URL / http://localhost:${PORT ?? 8787}, and `--token` /
 * STEPWISE_TOKEN / API_TOKEN in the nearest .dev.vars. An empty value counts as not given.
 * @example
 * const { url, token } = resolveConnection({ flags: {}, env: process.env, cwd: process.cwd() });
 */
export function resolveConnection({ flags, env, cwd }: ConnectionSources): Connection {
  const url = pick([
    ["--url", flags.url],
    ["STEPWISE_URL", env.STEPWISE_URL],
  ]) ?? { from: env.PORT === undefined ? "the default URL" : "PORT", value: `http://localhost:${nonEmpty(env.PORT) ?? "8787"}` };
  checkUrl(url.value, url.from);
  const token =
    pick([
      ["--token", flags.token],
      ["STEPWISE_TOKEN", env.STEPWISE_TOKEN],
    ]) ?? devVarsToken(cwd);
  return { url: url.value.replace(/\/+$/, ""), token: token?.value, tokenFrom: token?.from };
}

/** The nearest .dev.vars from `dir` up to the root, or undefined. */
export function findDevVars(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, ".dev.vars");
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

function devVarsToken(cwd: string): { from: string; value: string } | undefined {
  const path = findDevVars(cwd);
  if (path === undefined) return undefined;
  const value = nonEmpty(parseEnv(readFileSync(path, "utf8")).API_TOKEN);
  return value === undefined ? undefined : { from: `API_TOKEN in ${path}`, value };
}

function pick(sources: [string, string | undefined][]): { from: string; value: string } | undefined {
  for (const [from, raw] of sources) {
    const value = nonEmpty(raw);
    if (value !== undefined) return { from, value };
  }
  return undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function checkUrl(value: string, from: string): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${from}: "${value}" is not a URL (e.g. http://localhost:8787)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`${from}: "${value}" is not an http or https URL`);
}
