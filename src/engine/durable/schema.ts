// The run object's SQLite schema, as numbered migrations applied once under blockConcurrencyWhile by
// the kernel's runner (RunStore.migrate). Never ALTER elsewhere: add a migration here and bump nothing else.

/**
 * Migration 10's views of the steps table, through which RunStore journals a step and its events in
 * one statement (see migration 10). Migration 12 drops them while it rebuilds the tables they write
 * and creates them again as they were. Part of two shipped migrations: never edit it; views that
 * change are a new migration that drops these and creates its own.
 */
const STEP_VIEWS = `
  CREATE VIEW step_inserts AS
    SELECT seq, name, kind, status, attempts, args, result, error, started_at, completed_at, wake_at, detail,
      NULL AS event_type, NULL AS event_data, NULL AS end_type, NULL AS end_data, NULL AS end_at FROM steps WHERE 0;
  CREATE TRIGGER step_inserts_write INSTEAD OF INSERT ON step_inserts BEGIN
    INSERT INTO steps (seq, name, kind, status, attempts, args, result, error, started_at, completed_at, wake_at, detail)
      VALUES (NEW.seq, NEW.name, NEW.kind, NEW.status, NEW.attempts, NEW.args, NEW.result, NEW.error, NEW.started_at,
        NEW.completed_at, NEW.wake_at, NEW.detail);
    INSERT INTO events (type, data, at) SELECT NEW.event_type, NEW.event_data, NEW.started_at WHERE NEW.event_type IS NOT NULL;
    INSERT INTO events (type, data, at) SELECT NEW.end_type, NEW.end_data, NEW.end_at WHERE NEW.end_type IS NOT NULL;
  END;
  CREATE VIEW step_updates AS
    SELECT seq, status, attempts, result, error, completed_at, wake_at, detail,
      0 AS given, NULL AS event_type, NULL AS event_data, NULL AS at FROM steps WHERE 0;
  CREATE TRIGGER step_updates_write INSTEAD OF INSERT ON step_updates BEGIN
    UPDATE steps SET status = NEW.status,
      attempts = CASE WHEN NEW.given & 1 THEN NEW.attempts ELSE attempts END,
      result = CASE WHEN NEW.given & 2 THEN NEW.result ELSE result END,
      error = CASE WHEN NEW.given & 4 THEN NEW.error ELSE error END,
      completed_at = CASE WHEN NEW.given & 8 THEN NEW.completed_at ELSE completed_at END,
      wake_at = CASE WHEN NEW.given & 16 THEN NEW.wake_at ELSE wake_at END,
      detail = CASE WHEN NEW.given & 32 THEN NEW.detail ELSE detail END
      WHERE seq = NEW.seq;
    INSERT INTO events (type, data, at) SELECT NEW.event_type, NEW.event_data, NEW.at
      WHERE NEW.event_type IS NOT NULL AND EXISTS (SELECT 1 FROM steps WHERE seq = NEW.seq);
  END;
`;

/** The views of STEP_VIEWS (their triggers go with them): a new run object is created without them (RunStore). */
export const STEP_VIEW_NAMES = ["step_inserts", "step_updates"] as const;

/** STEP_VIEWS for an object that may have them already (RunStore creates them once a run has written enough steps). */
export const CREATE_STEP_VIEWS = STEP_VIEWS.replaceAll("CREATE VIEW ", "CREATE VIEW IF NOT EXISTS ").replaceAll(
  "CREATE TRIGGER ",
  "CREATE TRIGGER IF NOT EXISTS ",
);

export const MIGRATIONS: readonly string[] = [
  // 1: run row, journal, timers, signal buffer.
  `
  CREATE TABLE run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run_id TEXT NOT NULL,
    workflow TEXT NOT NULL,
    args TEXT,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    parent TEXT,
    on_complete TEXT NOT NULL DEFAULT 'none',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER
  );
  CREATE TABLE steps (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    args TEXT,
    result TEXT,
    error TEXT,
    started_at INTEGER NOT NULL,
    completed_at INTEGER,
    wake_at INTEGER,
    detail TEXT
  );
  -- Unfinished steps only: keeps "what is the run doing" cheap however long the journal grows.
  CREATE INDEX steps_open ON steps (seq) WHERE status <> 'completed';
  CREATE TABLE timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER
  );
  CREATE INDEX timers_at ON timers (at);
  CREATE UNIQUE INDEX timers_kind_seq ON timers (kind, seq);
  CREATE TABLE signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    payload TEXT,
    received_at INTEGER NOT NULL,
    consumed_seq INTEGER
  );
  CREATE INDEX signals_pending ON signals (name, id) WHERE consumed_seq IS NULL;
  `,
  // 2: the event log that SSE and WebSocket readers resume from; once-only signal keys; the run-index outbox.
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE TABLE signal_keys (
    key TEXT PRIMARY KEY,
    signal_id INTEGER NOT NULL,
    at INTEGER NOT NULL
  );
  ALTER TABLE run ADD COLUMN indexed_status TEXT;
  ALTER TABLE run ADD COLUMN index_version INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: signals meant for one wait (the first wait on their name after target_after); the cancels a
  // finished run still owes its children, kept until each child confirms.
  `
  ALTER TABLE signals ADD COLUMN target_after INTEGER;
  CREATE TABLE child_cancels (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    args TEXT,
    parent_seq INTEGER NOT NULL
  );
  `,
  // 4: a buffered signal refused by the wait that would have taken it (its payload failed the wait's
  // schema): consumed_seq names that wait, refused holds the issues as JSON. Signals accepted before
  // this never have a NULL payload; from now on NULL means the sender omitted it.
  `
  ALTER TABLE signals ADD COLUMN refused TEXT;
  `,
  // 5: the onComplete a caller gave with the start (workflow.start(ctx, ref, args, { onComplete, context })).
  `
  ALTER TABLE run ADD COLUMN on_complete_ref TEXT;
  `,
  // 6: repair and evolution. The workflow version a run executes on (runs from before versions existed
  // ran on version 1); a pause; restart links both ways, and the handoff a restart still owes its new
  // run (JSON { runId, fromStep, version }) until that run confirms; retention; the answers of
  // step.patched, journaled by change id with the position they were first asked at.
  `
  ALTER TABLE run ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE run ADD COLUMN paused_at INTEGER;
  ALTER TABLE run ADD COLUMN restart_of TEXT;
  ALTER TABLE run ADD COLUMN restart_from INTEGER;
  ALTER TABLE run ADD COLUMN restarted_as TEXT;
  ALTER TABLE run ADD COLUMN restart_pending TEXT;
  ALTER TABLE run ADD COLUMN retention_ms INTEGER;
  ALTER TABLE run ADD COLUMN expires_at INTEGER;
  CREATE TABLE patches (
    change_id TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL
  );
  `,
  // 7: flow control. The line the run waits in (JSON FlowLine) and where it stands: "enqueue" (owed:
  // the pool has not confirmed it), "queued", "admitted", "leave" (owed: the run ended holding a slot or
  // a place), "done"; when it began to wait.
  `
  ALTER TABLE run ADD COLUMN flow TEXT;
  ALTER TABLE run ADD COLUMN flow_state TEXT;
  ALTER TABLE run ADD COLUMN queued_at INTEGER;
  `,
  // 8: token usage. What each attempt of a step reported (ctx.reportUsage), written with the attempt's
  // outcome: one row per model for reports without a key (usage_key ''), one per key for keyed ones (a
  // step counts a key's latest attempt only). And the answers of step.usage(), journaled by where the
  // handler asked (the step seq it had reached, and the how-manieth read there), so a replay reads the same.
  `
  CREATE TABLE step_usage (
    seq INTEGER NOT NULL,
    usage_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    PRIMARY KEY (seq, usage_key, attempt, model, provider)
  ) WITHOUT ROWID;
  CREATE TABLE usage_reads (
    seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    usage TEXT NOT NULL,
    PRIMARY KEY (seq, n)
  ) WITHOUT ROWID;
  `,
  // 9: the run index shard that holds the run's entry (index-shards.ts), decided when the run is created
  // so that raising STEPWISE_INDEX_SHARDS never moves it. Runs from before shards are in shard 0 ("global").
  `
  ALTER TABLE run ADD COLUMN index_shard INTEGER NOT NULL DEFAULT 0;
  `,
  // 10: a step's row and its event in one statement. RunStore journals a step transition by inserting
  // into one of these views, and the view's trigger writes the row and the event (type and data as the
  // store built them; none when event_type is NULL) in the same statement. A call into SQLite costs
  // about as much as the insert it makes, and this halves the calls per step. step_inserts takes a second
  // event (end_*) for a step whose start and end are journaled together (see RunStore.insertStep).
  // step_updates changes the columns whose bit is set in "given" (1 attempts, 2 result, 4 error,
  // 8 completed_at, 16 wake_at, 32 detail), and status always; no event for a step that is not there.
  STEP_VIEWS,
  // 11: the run-index outbox without writes of its own (index-outbox.ts). An entry's version is now
  // index_version plus the seq of the run's last event: every change the index shows appends an event,
  // and the few that do not add 1 to index_version as they are written, so a push reads its version and
  // writes nothing. What the index confirmed is written with the store's next write, with the version
  // it was confirmed for (indexed_version), so a reload knows whether it still holds: NULL, as in runs
  // from before this, means unknown (the entry is pushed again once).
  `
  ALTER TABLE run ADD COLUMN indexed_version INTEGER;
  `,
  // 12: no AUTOINCREMENT. It kept a row of sqlite_sequence for each of events, timers and signals,
  // which every statement inserting into one of them read and wrote: a step's statement wrote 4 rows
  // where it now writes 3 (what DO storage bills as rows written; about 1.5 µs of the statement's
  // 11.7 here). Rows keep their ids, and a new row still takes one past the largest there is: events
  // and signals are never deleted, so no id is used twice; a timer's id only orders timers due at the
  // same time, and a new one still comes after every timer there is. The views over steps are dropped
  // first (a rename checks every trigger, and theirs name events) and created again at the end.
  `
  DROP TRIGGER step_inserts_write;
  DROP TRIGGER step_updates_write;
  DROP VIEW step_inserts;
  DROP VIEW step_updates;
  CREATE TABLE events_12 (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  INSERT INTO events_12 (seq, type, data, at) SELECT seq, type, data, at FROM events;
  DROP TABLE events;
  ALTER TABLE events_12 RENAME TO events;
  CREATE TABLE timers_12 (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER
  );
  INSERT INTO timers_12 (id, at, kind, seq) SELECT id, at, kind, seq FROM timers;
  DROP TABLE timers;
  ALTER TABLE timers_12 RENAME TO timers;
  CREATE INDEX timers_at ON timers (at);
  CREATE UNIQUE INDEX timers_kind_seq ON timers (kind, seq);
  CREATE TABLE signals_12 (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    payload TEXT,
    received_at INTEGER NOT NULL,
    consumed_seq INTEGER,
    target_after INTEGER,
    refused TEXT
  );
  INSERT INTO signals_12 (id, name, payload, received_at, consumed_seq, target_after, refused)
    SELECT id, name, payload, received_at, consumed_seq, target_after, refused FROM signals;
  DROP TABLE signals;
  ALTER TABLE signals_12 RENAME TO signals;
  CREATE INDEX signals_pending ON signals (name, id) WHERE consumed_seq IS NULL;
  ` + STEP_VIEWS,
];

/**
 * Tables few runs write (buffered signals and their once-only keys, cancels owed to children,
 * `step.patched` answers, token usage and its reads), with their text as the migrations leave it (a
 * table's indexes after it). A new run object is created without them (RunStore.migrate): they were a
 * third of a short run's file and most of the schema's creation cost that a start pays for nothing.
 * RunStore creates each at its first write (LazyTables), and a read of one that does not exist finds no
 * rows. Objects migrated step by step have them all. A migration that changes one of these tables
 * changes its text here too, and copes with objects that do not have it.
 */
export const LAZY_TABLES = {
  signals: `CREATE TABLE "signals" (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    payload TEXT,
    received_at INTEGER NOT NULL,
    consumed_seq INTEGER,
    target_after INTEGER,
    refused TEXT
  );
  CREATE INDEX signals_pending ON signals (name, id) WHERE consumed_seq IS NULL`,
  signal_keys: `CREATE TABLE signal_keys (
    key TEXT PRIMARY KEY,
    signal_id INTEGER NOT NULL,
    at INTEGER NOT NULL
  )`,
  child_cancels: `CREATE TABLE child_cancels (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    args TEXT,
    parent_seq INTEGER NOT NULL
  )`,
  patches: `CREATE TABLE patches (
    change_id TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL
  )`,
  step_usage: `CREATE TABLE step_usage (
    seq INTEGER NOT NULL,
    usage_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    PRIMARY KEY (seq, usage_key, attempt, model, provider)
  ) WITHOUT ROWID`,
  usage_reads: `CREATE TABLE usage_reads (
    seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    usage TEXT NOT NULL,
    PRIMARY KEY (seq, n)
  ) WITHOUT ROWID`,
} as const;
export type LazyTable = keyof typeof LAZY_TABLES;

/** What a new run object is created without (the kernel runner's `lazy`): the tables above and the step views. */
export const CREATED_LATER: readonly string[] = [...Object.keys(LAZY_TABLES), ...STEP_VIEW_NAMES];
