// The thread index's SQLite schema, as numbered migrations applied once under blockConcurrencyWhile by
// the kernel's runner. Never ALTER elsewhere: append a migration here.

export const THREAD_INDEX_MIGRATIONS: readonly string[] = [
  // 1: one row per thread, newest first, and per user newest first. `version` is the push's ordering
  // number (the thread's own counter): a row only ever takes a higher one.
  `
  CREATE TABLE threads (
    thread_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL
  );
  CREATE INDEX threads_newest ON threads (created_at DESC, thread_id DESC);
  CREATE INDEX threads_user ON threads (user_id, created_at DESC, thread_id DESC);
  `,
];
