import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Read by vitest.config.ts from migrations/. */
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

// Each test file starts with empty storage: give its D1 database the app's tables.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
