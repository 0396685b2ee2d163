// Secrets are not in wrangler.toml, so `wrangler types` cannot see them: declare them here.
interface Env {
  /** Bearer token for /api (wrangler secret; `.dev.vars` locally). */
  API_TOKEN: string;
}
