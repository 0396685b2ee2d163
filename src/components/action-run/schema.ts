// The action run object's SQLite schema, as numbered migrations (applied by the kernel's migrate in the
// constructor under blockConcurrencyWhile). Never ALTER elsewhere: append a migration here.

export const ACTION_RUN_MIGRATIONS: readonly string[] = [
  // 1: the run row and one row per attempt.
  `
  CREATE TABLE run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run_id TEXT NOT NULL,
    action TEXT NOT NULL,
    args TEXT,
    policy TEXT NOT NULL,
    pool TEXT,
    on_complete TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    holder TEXT,
    result TEXT,
    error TEXT,
    wake_at INTEGER,
    generation INTEGER NOT NULL DEFAULT 0,
    on_complete_state TEXT NOT NULL,
    on_complete_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER
  );
  CREATE TABLE attempts (
    attempt INTEGER PRIMARY KEY,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    error TEXT,
    retry_at INTEGER
  );
  `,
  // 2: what a run owes outside itself (see Outbox in core/plan.ts), and the retriers' directory. The
  // directory table is used only in the one instance named RUN_DIRECTORY (directory.ts); in a run's own
  // object it stays empty. Runs live at the upgrade are listed on their next wake-up.
  `
  ALTER TABLE run ADD COLUMN outbox TEXT NOT NULL DEFAULT 'none';
  UPDATE run SET outbox = CASE WHEN pool IS NULL AND state NOT IN ('completed', 'failed', 'canceled') THEN 'list' ELSE 'done' END;
  CREATE TABLE directory (
    run_id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX directory_created ON directory (created_at, run_id);
  `,
];
