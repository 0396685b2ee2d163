// The run index's SQLite schema, as numbered migrations applied once under blockConcurrencyWhile by the
// kernel's runner. Never ALTER elsewhere: append a migration here.

export const RUN_INDEX_MIGRATIONS: readonly string[] = [
  // 1: the runs, newest first, by workflow and by status. Index objects made before migrations existed
  // already hold these tables and no `_schema` row: IF NOT EXISTS lets them take version 1 as they are.
  `
  CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS runs_newest ON runs (created_at DESC, run_id DESC);
  CREATE INDEX IF NOT EXISTS runs_workflow ON runs (workflow, created_at DESC, run_id DESC);
  CREATE INDEX IF NOT EXISTS runs_status ON runs (status, created_at DESC, run_id DESC);
  `,
  // 2: the workflow version each run executes on (runs listed before versions existed ran on version 1).
  // `version` above stays the push's ordering number. The partial index holds only live runs, so counting
  // them per version reads those index rows, not every finished run still in retention; its WHERE must
  // stay the one liveCounts queries with (LIVE_WHERE in run-index.ts), or SQLite cannot use it. Status is
  // not in its key: a push that moves a run between live statuses (running, sleeping, waiting) leaves it as is.
  `
  ALTER TABLE runs ADD COLUMN workflow_version INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX runs_live ON runs (workflow, workflow_version) WHERE status NOT IN ('completed', 'failed', 'canceled');
  `,
];
