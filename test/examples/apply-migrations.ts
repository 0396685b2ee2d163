// Setup of the seed project: its D1 gets the seed port's migrations (read in vitest.config.ts) before any test.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// SAFETY: vitest.config.ts binds the migrations as SEED_MIGRATIONS and the config binds DB.
const bindings = env as unknown as { DB: D1Database; SEED_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] };
await applyD1Migrations(bindings.DB, bindings.SEED_MIGRATIONS);
