-- The seed port's app data: what its mutations write, each row once per idempotency key.
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE TABLE saved_prompts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  thread_id TEXT NOT NULL,
  prompt TEXT NOT NULL,
  saved_at INTEGER NOT NULL
);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  text TEXT NOT NULL,
  published_at INTEGER NOT NULL
);
CREATE TABLE completions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  workflow_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT,
  context TEXT
);
