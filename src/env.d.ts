// Secrets are not in wrangler.toml, so `wrangler types` cannot see them: declare them here, on both
// the global Env and the Cloudflare.Env that `import { env } from "cloudflare:workers"` uses.
interface StepwiseSecrets {
  /** Bearer token for /api (wrangler secret; `.dev.vars` locally). */
  API_TOKEN: string;
  /** Signs approval links: "kid:secret" entries, comma-separated, the first one signing (wrangler secret). */
  APPROVAL_SIGNING_KEY: string;
}
interface Env extends StepwiseSecrets {}
declare namespace Cloudflare {
  interface Env extends StepwiseSecrets {}
}
