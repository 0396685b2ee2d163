// The app's own database: the D1 binding DB (schema in migrations/), which mutations write with their
// idempotency key as a unique key, so a step that runs again writes nothing new.
import { StepwiseError } from "../kernel/index.ts";

/** The app's database, or a clear error when the Worker's config has no DB binding. */
export function appDb(env: Env): D1Database {
  // The type says DB is there; a Worker deployed from another config may still lack it.
  const db: unknown = env.DB;
  // SAFETY: reads one property of an object just checked to be one, and checks it before anyone uses it.
  if (typeof db !== "object" || db === null || typeof (db as { prepare?: unknown }).prepare !== "function") {
    throw new StepwiseError("app.db_missing", 'the D1 binding DB is missing: add it to wrangler.toml and apply migrations/ (see README, "App data")');
  }
  return env.DB;
}
