// The run index's SQLite schema, as numbered migrations applied once under blockConcurrencyWhile by the
// kernel's runner. Never ALTER elsewhere: append a migration here.

/** A trigger's insert of the signal waits in `new.waiting_for` (IndexWait[] as JSON; a label left out is NULL). */
const insertSignalWaits = `INSERT INTO signal_waits (run_id, seq, workflow, run_created_at, signal, since, timeout_at, label)
      SELECT new.run_id, json_extract(w.value, '$.seq'), new.workflow, new.created_at, json_extract(w.value, '$.signal'),
        json_extract(w.value, '$.since'), json_extract(w.value, '$.timeoutAt'), json_extract(w.value, '$.label')
      FROM json_each(new.waiting_for) AS w WHERE json_extract(w.value, '$.kind') = 'signal';`;

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
  // 3: what each run waits for (JSON, IndexWait[]) and when it ended; the open signal waits of live runs,
  // one row each, for the inbox (oldest first without reading every run); the count of runs per workflow
  // and status, kept by triggers in the same transaction as the change, so counting never scans the runs.
  // Entries of before waits were indexed hold none until their run's next push; an ended one's completed_at
  // is taken from its last push (made when it ended).
  `
  ALTER TABLE runs ADD COLUMN waiting_for TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE runs ADD COLUMN completed_at INTEGER;
  UPDATE runs SET completed_at = updated_at WHERE status IN ('completed', 'failed', 'canceled');
  CREATE TABLE signal_waits (
    run_id TEXT NOT NULL, seq INTEGER NOT NULL, workflow TEXT NOT NULL, run_created_at INTEGER NOT NULL,
    signal TEXT NOT NULL, since INTEGER NOT NULL, timeout_at INTEGER, label TEXT,
    PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
  CREATE INDEX signal_waits_oldest ON signal_waits (since, run_id, seq);
  CREATE TABLE run_counts (workflow TEXT NOT NULL, status TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (workflow, status)) WITHOUT ROWID;
  INSERT INTO run_counts (workflow, status, count) SELECT workflow, status, COUNT(*) FROM runs GROUP BY workflow, status;
  CREATE TRIGGER runs_count_insert AFTER INSERT ON runs BEGIN
    INSERT INTO run_counts (workflow, status, count) VALUES (new.workflow, new.status, 1)
      ON CONFLICT (workflow, status) DO UPDATE SET count = count + 1;
  END;
  CREATE TRIGGER runs_count_update AFTER UPDATE OF status ON runs WHEN old.status <> new.status BEGIN
    UPDATE run_counts SET count = count - 1 WHERE workflow = old.workflow AND status = old.status;
    INSERT INTO run_counts (workflow, status, count) VALUES (new.workflow, new.status, 1)
      ON CONFLICT (workflow, status) DO UPDATE SET count = count + 1;
  END;
  CREATE TRIGGER runs_count_delete AFTER DELETE ON runs BEGIN
    UPDATE run_counts SET count = count - 1 WHERE workflow = old.workflow AND status = old.status;
  END;
  `,
  // 4: the open signal waits kept by triggers from the entry's waiting_for, so that a push is one
  // statement (atomic on its own, with no transaction around it) and a push that leaves a run's waits as
  // they were (most of them: a status change, a run that never waits) does not touch signal_waits at all.
  `
  CREATE TRIGGER runs_waits_insert AFTER INSERT ON runs WHEN new.waiting_for <> '[]' BEGIN
    ${insertSignalWaits}
  END;
  CREATE TRIGGER runs_waits_update AFTER UPDATE OF waiting_for ON runs WHEN new.waiting_for <> old.waiting_for BEGIN
    DELETE FROM signal_waits WHERE run_id = old.run_id;
    ${insertSignalWaits}
  END;
  CREATE TRIGGER runs_waits_delete AFTER DELETE ON runs WHEN old.waiting_for <> '[]' BEGIN
    DELETE FROM signal_waits WHERE run_id = old.run_id;
  END;
  `,
  // 5: the shards known to hold entries (RunIndex.noteShard), so that lists read every one of them even
  // after STEPWISE_INDEX_SHARDS was lowered. Shard 0 holds a row for each shard above it that took an
  // entry; any other shard holds its own row once shard 0 has recorded it.
  `
  CREATE TABLE shards (shard INTEGER PRIMARY KEY);
  `,
];
