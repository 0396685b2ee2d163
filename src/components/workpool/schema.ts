// The pool object's SQLite schema, as numbered migrations (applied by the kernel's migrate in the constructor
// under blockConcurrencyWhile). Never ALTER elsewhere: append a migration here.

export const WORKPOOL_MIGRATIONS: readonly string[] = [
  // 1: settings and counters, the queue and its slots, the jobs waiting in the pool.
  `
  CREATE TABLE pool (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT,
    declared_max INTEGER,
    override_max INTEGER,
    lease_ms INTEGER,
    alarm_at INTEGER,
    enqueued INTEGER NOT NULL DEFAULT 0,
    granted INTEGER NOT NULL DEFAULT 0,
    released INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    abandoned INTEGER NOT NULL DEFAULT 0,
    canceled INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO pool (id) VALUES (1);
  -- One row per holder in line or holding a slot; pos is the FIFO order.
  -- until: a queued holder's presence deadline, a dispatching job's resend time, an active slot's lease end.
  -- family, attempt: a holder id "x:3" is attempt 3 of holder family "x" (a later attempt takes over).
  CREATE TABLE entries (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    holder TEXT NOT NULL UNIQUE,
    family TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    job_id TEXT,
    state TEXT NOT NULL,
    until INTEGER,
    enqueued_at INTEGER NOT NULL,
    granted_at INTEGER
  );
  CREATE INDEX entries_state_pos ON entries (state, pos);
  CREATE INDEX entries_family ON entries (family, attempt);
  CREATE INDEX entries_state_until ON entries (state, until);
  -- Jobs enqueued here: the spec until an action run has it, then a short-lived tombstone.
  CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    spec TEXT,
    state TEXT NOT NULL,
    next_at INTEGER,
    enqueued_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX jobs_state_next ON jobs (state, next_at);
  CREATE INDEX jobs_updated ON jobs (updated_at) WHERE spec IS NULL;
  `,
  // 2: whether the pool is listed in the pools' directory, the pool's recent failures (jobs that failed
  // for good, newest kept), and the directory itself: used only in the one instance named
  // POOL_DIRECTORY (directory.ts); in a pool's own object it stays empty.
  `
  ALTER TABLE pool ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE failures (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    action TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE TABLE directory (
    name TEXT PRIMARY KEY,
    listed_at INTEGER NOT NULL
  );
  `,
  // 3: workflow runs in line (flow control): an entry for a run names it (run_id) and how long its slot
  // lasts once granted (hold_ms: a throttle's period; NULL: until the run gives it back). A debounce's
  // open burst: the run it will start, the last args, and when it is due (state "open"), or the time
  // its admission is sent again (state "closing", until the run answers).
  `
  ALTER TABLE entries ADD COLUMN run_id TEXT;
  ALTER TABLE entries ADD COLUMN hold_ms INTEGER;
  CREATE TABLE bursts (
    run_id TEXT PRIMARY KEY,
    args TEXT NOT NULL,
    state TEXT NOT NULL,
    first_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL
  );
  `,
];
