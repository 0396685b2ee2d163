// Every SQL statement of the thread object, behind typed methods. Rows read back are parsed, not cast.
// Appends are one transaction each, deduplicated by idempotency key.
import { z } from "zod";
import { MessageRecord, NewMessage, ThreadInfo, messageText } from "../core/message.ts";
import { threadExpiry } from "../core/thread-retention.ts";
import { ThreadIndexEntry } from "./thread-index.ts";
import { THREAD_MIGRATIONS } from "./thread-schema.ts";
import { ApprovalStore } from "./approval-store.ts";
import { type Clock, jsonColumn, migrate, mintId, probeSchema, type SchemaProbe, Sql, type SqlRow } from "../../kernel/index.ts";
import { ModelUsage, noUsage, tokenUsage, type TokenUsage } from "../../engine/index.ts";

const MESSAGE_COLUMNS = `ord, id, role, message, text, status, agent_name AS agentName, model, provider, usage,
  finish_reason AS finishReason, prompt_message_id AS promptMessageId, answer_id AS answerId, final, error, created_at AS createdAt`;

const MessageRow = z.object({
  ord: z.number(),
  id: z.string(),
  role: z.string(),
  message: z.string(),
  text: z.string(),
  status: z.string(),
  agentName: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  usage: z.string().nullable(),
  finishReason: z.string().nullable(),
  promptMessageId: z.string().nullable(),
  answerId: z.string().nullable(),
  final: z.number(),
  error: z.string().nullable(),
  createdAt: z.number(),
});

const ThreadRow = z.object({
  threadId: z.string(),
  userId: z.string(),
  title: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  retentionMs: z.number().nullable(),
  lastActivityAt: z.number(),
});
const THREAD_COLUMNS = `thread_id AS threadId, user_id AS userId, title, created_at AS createdAt, updated_at AS updatedAt,
  retention_ms AS retentionMs, last_activity_at AS lastActivityAt`;

export class ThreadStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: Sql;
  readonly #clock: Clock;
  /** Tool calls waiting for a human's decision; written in the same transactions as the messages that ask and answer. */
  readonly approvals: ApprovalStore;
  #ready = false;
  /** What open() read of the schema, until create() takes it: a new thread's object is not read twice. */
  #probe: SchemaProbe | null = null;
  /** The usage of the messages up to `throughOrd`, summed by `usage()`; only later messages are read next time. */
  #usage: { throughOrd: number; total: TokenUsage } = { throughOrd: 0, total: noUsage() };

  /** `clock` mints the message ids. */
  constructor(storage: DurableObjectStorage, clock: Clock) {
    this.#storage = storage;
    this.#sql = new Sql(storage);
    this.#clock = clock;
    this.approvals = new ApprovalStore(this.#sql);
  }

  /** Applies pending migrations to an existing thread; a never-created one stays without storage. */
  open(): void {
    this.#probe = probeSchema(this.#sql);
    this.#ready = this.#probe.migrated;
    if (this.#ready) migrate(this.#sql, THREAD_MIGRATIONS, this.#probe);
  }

  /**
   * Creates the thread row once; later calls return the existing thread unchanged. `retentionMs` null:
   * kept forever. The new row owes the thread index its entry (version 1) in the same statement.
   */
  create(t: { threadId: string; userId: string; title: string | null; retentionMs: number | null; now: number }): ThreadInfo {
    if (!this.#ready) {
      migrate(this.#sql, THREAD_MIGRATIONS, this.#probe ?? undefined);
      this.#probe = null;
      this.#ready = true;
    }
    this.#sql.exec(
      `INSERT INTO thread (id, thread_id, user_id, title, created_at, updated_at, retention_ms, last_activity_at, index_version, indexed_version)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, 1, 0) ON CONFLICT (id) DO NOTHING`,
      t.threadId,
      t.userId,
      t.title,
      t.now,
      t.now,
      t.retentionMs,
      t.now,
    );
    return this.info()!;
  }

  /** The thread's id, or undefined when no thread was created in this object. */
  threadId(): string | undefined {
    if (!this.#ready) return undefined;
    const row = this.#sql.all("SELECT thread_id AS threadId FROM thread WHERE id = 1")[0];
    return row === undefined ? undefined : z.string().parse(row.threadId);
  }

  info(): ThreadInfo | undefined {
    const row = this.#row();
    if (row === undefined) return undefined;
    const count = z.number().parse(this.#sql.all("SELECT COUNT(*) AS n FROM messages")[0]?.n);
    // ThreadInfo drops the stored retention and last activity: callers see when it expires.
    return ThreadInfo.parse({ ...row, messageCount: count, expiresAt: threadExpiry(row), usage: this.usage() });
  }

  /**
   * The tokens of the messages that record usage, whatever their status, by model and provider (empty
   * when a message names none). Messages never change their usage once saved, so each call sums in SQL
   * only the messages saved since the last one: info() stays cheap on a long thread, and the first call
   * after a wake-up reads them all once.
   */
  usage(): TokenUsage {
    if (!this.#ready) return noUsage();
    const last =
      z
        .number()
        .nullable()
        .parse(this.#sql.first("SELECT MAX(ord) AS ord FROM messages")?.ord ?? null) ?? 0;
    if (last <= this.#usage.throughOrd) return this.#usage.total;
    const rows = this.#sql.all(
      `SELECT COALESCE(model, '') AS model, COALESCE(provider, '') AS provider, COALESCE(SUM(json_extract(usage, '$.inputTokens')), 0) AS inputTokens,
         COALESCE(SUM(json_extract(usage, '$.outputTokens')), 0) AS outputTokens, COALESCE(SUM(json_extract(usage, '$.totalTokens')), 0) AS totalTokens
       FROM messages WHERE ord > ? AND ord <= ? AND usage IS NOT NULL GROUP BY 1, 2`,
      this.#usage.throughOrd,
      last,
    );
    const total = tokenUsage([...this.#usage.total.byModel, ...rows.map((r) => ModelUsage.parse(r))]);
    this.#usage = { throughOrd: last, total };
    return total;
  }

  /** When the thread is deleted; null when it is kept forever or does not exist. */
  expiresAt(): number | null {
    const row = this.#row();
    return row === undefined ? null : threadExpiry(row);
  }

  /** Deletes everything the thread stores, and its alarm: afterwards it is a thread never created. */
  async deleteEverything(): Promise<void> {
    await this.#storage.deleteAlarm();
    await this.#storage.deleteAll();
    this.#ready = false;
    this.#probe = null;
    this.#usage = { throughOrd: 0, total: noUsage() };
  }

  /** The entry the thread index has not confirmed yet, with its version; undefined when it owes nothing (or there is no thread). */
  indexOwed(): z.output<typeof ThreadIndexEntry> | undefined {
    if (!this.#ready) return undefined;
    const row = this.#sql.first(
      `SELECT thread_id AS threadId, user_id AS userId, title, created_at AS createdAt, updated_at AS updatedAt, index_version AS version
       FROM thread WHERE id = 1 AND index_version > indexed_version`,
    );
    return row === undefined ? undefined : ThreadIndexEntry.parse(row);
  }

  /** The index confirmed `version` (and so every earlier one); a confirmation older than one recorded changes nothing. */
  markIndexed(version: number): void {
    if (this.#ready) this.#sql.exec("UPDATE thread SET indexed_version = MAX(indexed_version, ?) WHERE id = 1", version);
  }

  #row(): z.output<typeof ThreadRow> | undefined {
    if (!this.#ready) return undefined;
    const row = this.#sql.first(`SELECT ${THREAD_COLUMNS} FROM thread WHERE id = 1`);
    return row === undefined ? undefined : ThreadRow.parse(row);
  }

  /** Appends messages in order; with a key seen before, returns what that append stored instead. */
  append(threadId: string, messages: NewMessage[], idempotencyKey: string | undefined, now: number): MessageRecord[] {
    return this.#sql.transaction(() => {
      if (idempotencyKey !== undefined) {
        const seen = this.#sql.all("SELECT message_ids AS ids FROM idempotency WHERE key = ?", idempotencyKey)[0];
        if (seen !== undefined) {
          const ids = jsonColumn(z.array(z.string()), z.string().parse(seen.ids), "idempotency.message_ids");
          return ids.map((id) => this.message(threadId, id)!);
        }
      }
      const ids: string[] = [];
      for (const raw of messages) {
        const m = NewMessage.parse(raw);
        // A chosen id is kept when it is free: a chat prompt keeps its client's id, an answer's first message the answer's.
        const id = m.id !== undefined && !this.#taken(m.id) ? m.id : mintId("msg", this.#clock);
        this.#sql.exec(
          `INSERT INTO messages (id, role, message, text, status, agent_name, model, provider, usage, finish_reason,
            prompt_message_id, answer_id, final, error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          id,
          m.message.role,
          JSON.stringify(m.message),
          messageText(m.message),
          m.status,
          m.agentName ?? null,
          m.model ?? null,
          m.provider ?? null,
          m.usage === undefined ? null : JSON.stringify(m.usage),
          m.finishReason ?? null,
          m.promptMessageId ?? null,
          m.answerId ?? null,
          m.final ? 1 : 0,
          m.error === undefined ? null : JSON.stringify(m.error),
          now,
        );
        ids.push(id);
        if (m.status === "success")
          this.approvals.record(m.message, { answerId: m.answerId ?? id, promptMessageId: m.promptMessageId, agentName: m.agentName, now });
      }
      if (idempotencyKey !== undefined) {
        this.#sql.exec("INSERT INTO idempotency (key, message_ids, created_at) VALUES (?, ?, ?)", idempotencyKey, JSON.stringify(ids), now);
      }
      // The last activity moves the expiry later; the alarm set for the earlier one re-arms when it fires.
      // The index owes the new updatedAt under a higher version.
      this.#sql.exec("UPDATE thread SET updated_at = ?, last_activity_at = ?, index_version = index_version + 1 WHERE id = 1", now, now);
      return ids.map((id) => this.message(threadId, id)!);
    });
  }

  message(threadId: string, id: string): MessageRecord | undefined {
    const row = this.#sql.all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`, id)[0];
    return row === undefined ? undefined : toRecord(threadId, row);
  }

  /** Messages after `afterOrder`, oldest first. */
  page(threadId: string, afterOrder: number, limit: number): MessageRecord[] {
    return this.#sql.all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ord > ? ORDER BY ord LIMIT ?`, afterOrder, limit).map((r) => toRecord(threadId, r));
  }

  /** The last `limit` successful messages before `beforeOrder`, oldest first. */
  recent(threadId: string, beforeOrder: number, limit: number): MessageRecord[] {
    if (limit <= 0) return [];
    return this.#sql
      .all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ord < ? AND status = 'success' ORDER BY ord DESC LIMIT ?`, beforeOrder, limit)
      .map((r) => toRecord(threadId, r))
      .reverse();
  }

  /** One agent's successful responses to a prompt, oldest first. */
  responses(threadId: string, promptMessageId: string, agentName: string | null): MessageRecord[] {
    return this.#sql
      .all(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE prompt_message_id = ? AND agent_name IS ? AND status = 'success' ORDER BY ord`,
        promptMessageId,
        agentName,
      )
      .map((r) => toRecord(threadId, r));
  }

  markFinal(id: string): void {
    this.#sql.exec("UPDATE messages SET final = 1 WHERE id = ?", id);
  }

  /** The messages of one answer, oldest first (every status). */
  answer(threadId: string, answerId: string): MessageRecord[] {
    return this.#sql.all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE answer_id = ? ORDER BY ord`, answerId).map((r) => toRecord(threadId, r));
  }

  /** The last message of the thread that is not superseded, if any. */
  last(threadId: string): MessageRecord | undefined {
    const row = this.#sql.first(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE status != 'superseded' ORDER BY ord DESC LIMIT 1`);
    return row === undefined ? undefined : toRecord(threadId, row);
  }

  /**
   * Answers a prompt again (a regenerate): every message after it is kept but marked superseded, as a
   * chat client drops them from what it shows, so the model and the chat's history no longer see them;
   * their open approvals are canceled. Returns the superseded answers' ids.
   */
  supersedeAfter(prompt: { order: number }, now: number): string[] {
    return this.#sql.transaction(() => {
      const answers = this.#sql
        .all("SELECT DISTINCT answer_id AS answerId FROM messages WHERE ord > ? AND answer_id IS NOT NULL AND status != 'superseded'", prompt.order)
        .map((r) => z.string().parse(r.answerId));
      this.#sql.exec("UPDATE messages SET status = 'superseded' WHERE ord > ? AND status != 'superseded'", prompt.order);
      for (const answerId of answers) this.approvals.cancel(answerId, now);
      this.#sql.exec("UPDATE thread SET updated_at = ?, last_activity_at = ?, index_version = index_version + 1 WHERE id = 1", now, now);
      return answers;
    });
  }

  /** Every message that is not superseded, oldest first, up to `limit`: what a chat shows. */
  shown(threadId: string, limit: number): MessageRecord[] {
    return this.#sql.all(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE status != 'superseded' ORDER BY ord LIMIT ?`, limit).map((r) => toRecord(threadId, r));
  }

  #taken(id: string): boolean {
    return this.#sql.first("SELECT 1 AS one FROM messages WHERE id = ?", id) !== undefined;
  }
}

function toRecord(threadId: string, raw: SqlRow): MessageRecord {
  const row = MessageRow.parse(raw);
  const json = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
  return MessageRecord.parse({
    id: row.id,
    threadId,
    order: row.ord,
    role: row.role,
    message: json(row.message),
    text: row.text,
    status: row.status,
    agentName: row.agentName,
    model: row.model,
    provider: row.provider,
    usage: json(row.usage),
    finishReason: row.finishReason,
    promptMessageId: row.promptMessageId,
    answerId: row.answerId,
    final: row.final === 1,
    error: json(row.error),
    createdAt: row.createdAt,
  });
}
