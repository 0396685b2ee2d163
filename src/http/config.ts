// The deployment's settings as the app reads them, and the problems with them: checked once per
// isolate at its first request (logged), and shown by /healthz.
// The runtime-free entry: test/core/http/config.test.ts loads this file in Node.
import { DEFAULT_BASE_URL, parseSigningKeys } from "../approvals/core/index.ts";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export interface ConfigReport {
  /** Features that cannot work as configured. */
  errors: string[];
  /** Settings that work but are probably not what was meant. */
  warnings: string[];
}

/** Checks the settings; `requestUrl` (the first request's) tells local development from a deployment. */
export function checkConfig(env: Env, requestUrl: string): ConfigReport {
  const report: ConfigReport = { errors: [], warnings: [] };
  if (!env.API_TOKEN) report.errors.push("API_TOKEN is not set: every /api request is refused");
  if (env.APPROVAL_SIGNING_KEY) {
    try {
      parseSigningKeys(env.APPROVAL_SIGNING_KEY);
    } catch (err) {
      report.errors.push(`${err instanceof Error ? err.message : String(err)}; approval links cannot be sent or decided`);
    }
  } else {
    report.warnings.push("APPROVAL_SIGNING_KEY is not set: approval links cannot be sent or decided");
  }
  let origin: URL | undefined;
  try {
    origin = new URL(env.PUBLIC_BASE_URL || DEFAULT_BASE_URL);
  } catch {
    report.errors.push(`PUBLIC_BASE_URL is not a URL: approval links cannot be made`);
  }
  const servedLocally = LOCAL_HOSTS.has(new URL(requestUrl).hostname);
  if (origin !== undefined && LOCAL_HOSTS.has(origin.hostname) && !servedLocally) {
    report.warnings.push(
      `PUBLIC_BASE_URL is ${origin.origin} outside local development: approval links will point there; set it to this deployment's public URL`,
    );
  }
  return report;
}
