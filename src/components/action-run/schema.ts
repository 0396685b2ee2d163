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
];
