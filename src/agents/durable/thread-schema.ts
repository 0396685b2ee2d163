// The thread object's SQLite schema, as numbered migrations applied once under blockConcurrencyWhile by
// the kernel's runner (ThreadStore.open). Never ALTER elsewhere: append a migration here.

export const THREAD_MIGRATIONS: readonly string[] = [
  // 1: the thread row, its messages in order, and the idempotency keys of appends.
  `
  CREATE TABLE thread (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    thread_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    title TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE messages (
    ord INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    message TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    agent_name TEXT,
    model TEXT,
    provider TEXT,
    usage TEXT,
    finish_reason TEXT,
    prompt_message_id TEXT,
    final INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at INTEGER NOT NULL
  );
  -- An agent's answer to a prompt, found without scanning the thread.
  CREATE INDEX messages_answers ON messages (prompt_message_id, agent_name, ord) WHERE prompt_message_id IS NOT NULL;
  CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    message_ids TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 2: answers being streamed (their UI message chunks, in order) until each is saved as messages.
  // A row exists only while its answer is in flight; ending the answer deletes it with its chunks.
  `
  CREATE TABLE answer_streams (
    ord INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id TEXT NOT NULL UNIQUE,
    producer TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    prompt_message_id TEXT NOT NULL,
    run_id TEXT,
    model TEXT,
    provider TEXT,
    next_seq INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE answer_chunks (
    stream_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    chunk TEXT NOT NULL,
    PRIMARY KEY (stream_id, seq)
  ) WITHOUT ROWID;
  `,
  // 3: a thread's own retention (null: kept forever) and its last activity (its creation, then each
  // saved message), from which its expiry is counted. Threads made before keep theirs forever.
  `
  ALTER TABLE thread ADD COLUMN retention_ms INTEGER;
  ALTER TABLE thread ADD COLUMN last_activity_at INTEGER NOT NULL DEFAULT 0;
  UPDATE thread SET last_activity_at = updated_at;
  `,
  // 4: what the thread index owes: `index_version` counts the changes the index lists (creation, then
  // each saved message), `indexed_version` is the last one the index confirmed. The thread owes a push
  // while the first is ahead. Threads made before owe their entry (version 1) from the start.
  `
  ALTER TABLE thread ADD COLUMN index_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE thread ADD COLUMN indexed_version INTEGER NOT NULL DEFAULT 0;
  `,
  // 5: answers have ids. Every message of an agent's answer carries the answer's id (`answer_id`, the
  // id its stream announced as the UI message id; its first message has that id too), and so does its
  // stream. Answers saved before get the id of their first message. Tool calls that wait for a human's
  // approval are rows of `tool_approvals` until the decision is saved in the thread.
  `
  ALTER TABLE messages ADD COLUMN answer_id TEXT;
  UPDATE messages SET answer_id = (
    SELECT first.id FROM messages AS first
    WHERE first.prompt_message_id = messages.prompt_message_id AND first.agent_name IS messages.agent_name AND first.status = 'success'
    ORDER BY first.ord LIMIT 1
  ) WHERE prompt_message_id IS NOT NULL AND status = 'success';
  CREATE INDEX messages_by_answer ON messages (answer_id, ord) WHERE answer_id IS NOT NULL;
  ALTER TABLE answer_streams ADD COLUMN answer_id TEXT;
  CREATE TABLE tool_approvals (
    approval_id TEXT PRIMARY KEY,
    answer_id TEXT NOT NULL,
    prompt_message_id TEXT NOT NULL,
    agent_name TEXT NOT NULL,
    tool_call_id TEXT NOT NULL,
    tool_name TEXT NOT NULL,
    input TEXT NOT NULL,
    -- who waits for the decision: 'thread' (the chat's own answer), 'run' (a workflow step), or null (a
    -- Worker call: its caller passes the decision back)
    owner TEXT,
    run_id TEXT,
    signal TEXT,
    request_seq INTEGER,
    status TEXT NOT NULL DEFAULT 'pending',
    reason TEXT,
    decided_by TEXT,
    decided_at INTEGER,
    -- when the decision was saved in the thread (a tool message), after which the answer goes on
    applied_at INTEGER,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX tool_approvals_open ON tool_approvals (owner, status, expires_at);
  `,
];
