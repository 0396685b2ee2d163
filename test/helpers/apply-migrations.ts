// Setup file of the workers project (vitest.config.ts): applies the app's D1 migrations, which the
// config read from migrations/ and passes in as TEST_MIGRATIONS, before a test file runs.
import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

declare global {
  namespace Cloudflare {
    interface Env {
      /** The migrations vitest.config.ts read (test-only binding). */
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
