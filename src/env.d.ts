// Secrets are not in wrangler.toml, so `wrangler types` cannot see them: declare them here, on both
// the global Env and the Cloudflare.Env that `import { env } from "cloudflare:workers"` uses.
interface StepwiseSecrets {
  /** Bearer token for /api (wrangler secret; `.dev.vars` locally). */
  API_TOKEN: string;
  /** Signs approval links: "kid:secret" entries, comma-separated, the first one signing (wrangler secret). */
  APPROVAL_SIGNING_KEY: string;
}
/** Vars the deployment's wrangler.toml leaves out on purpose. */
interface StepwiseOptionalVars {
  /** Chaos tests only: injected failures between objects, e.g. "fail=0.2,hang=0.05" (see src/engine/faults.ts). */
  STEPWISE_FAULTS?: string;
}
interface Env extends StepwiseSecrets, StepwiseOptionalVars {}
declare namespace Cloudflare {
  interface Env extends StepwiseSecrets, StepwiseOptionalVars {}
}
