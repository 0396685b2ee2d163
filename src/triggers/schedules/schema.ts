// The schedule object's SQLite schema, as numbered migrations (the kernel's migrate, in the constructor
// under blockConcurrencyWhile). Never ALTER elsewhere: append a migration here.

export const SCHEDULE_MIGRATIONS: readonly string[] = [
  // 1: the schedule (one row; spec NULL until created), its recent fires, and the directory (used only
  // in the instance named SCHEDULE_DIRECTORY, see directory.ts; empty in a schedule's own object).
  `
  CREATE TABLE schedule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT,
    spec TEXT,
    source TEXT,
    hash TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    last_instant INTEGER,
    last_run_id TEXT,
    buffered_instant INTEGER,
    buffered_run_id TEXT,
    listed INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER,
    created_at INTEGER,
    updated_at INTEGER
  );
  INSERT INTO schedule (id) VALUES (1);
  -- One row per instant handled (and per manual trigger). action: what is still owed for the row (a
  -- run to start, a previous run to cancel first), set before the calls and cleared after, so a crash
  -- in between is finished by the next alarm.
  CREATE TABLE fires (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    instant INTEGER NOT NULL,
    manual INTEGER NOT NULL DEFAULT 0,
    run_id TEXT,
    outcome TEXT NOT NULL,
    action TEXT,
    previous_run_id TEXT,
    error TEXT,
    at INTEGER NOT NULL
  );
  CREATE INDEX fires_action ON fires (action) WHERE action IS NOT NULL;
  CREATE TABLE directory (
    name TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    listed_at INTEGER NOT NULL
  );
  `,
];
