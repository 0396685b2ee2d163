-- The app's own data, written by the example workflows' mutations. Each row carries the idempotency key
-- of the step that wrote it (UNIQUE), so a retried or replayed step inserts nothing new.

-- Notifications sent to a user (the support examples' notifications.send).
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- A user's notifications, newest first.
CREATE INDEX notifications_by_user ON notifications (user_id, id);

-- Posts published once approved (draft-approval's publish).
CREATE TABLE posts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  thread_id TEXT NOT NULL,
  text TEXT NOT NULL,
  published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
