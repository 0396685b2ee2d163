// The thread index: one Durable Object listing threads newest first, optionally by user. Thread objects
// are the source of truth and push their entry here (see thread-index-outbox.ts); a push carries a
// version that only grows, so a late or repeated push never moves an entry backwards.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { decodeCursor, encodeCursor, fail, GroupCommit, migrate, ok, type RpcResult, Sql } from "../../kernel/index.ts";
import { THREAD_INDEX_MIGRATIONS } from "./thread-index-schema.ts";

/** A thread as the list shows it. */
export const IndexedThread = z.object({
  threadId: z.string(),
  userId: z.string(),
  title: z.string().nullable(),
  createdAt: z.number(),
  /** The thread's last activity: its creation, then its last saved message. */
  updatedAt: z.number(),
});
export type IndexedThread = z.infer<typeof IndexedThread>;

/** What a thread pushes: its listed fields and the ordering number of this push. */
export const ThreadIndexEntry = IndexedThread.extend({ version: z.number().int().positive() });
export type ThreadIndexEntry = z.input<typeof ThreadIndexEntry>;

export const ThreadListQuery = z.object({
  userId: z.string().optional(),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});
export type ThreadListQuery = z.input<typeof ThreadListQuery>;

export interface ThreadList {
  threads: IndexedThread[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The position after the last thread of a page: its creation time and id (the list's order). */
const Cursor = z.object({ c: z.number(), t: z.string() });

export class ThreadIndex extends DurableObject<Env> {
  readonly #sql: Sql;
  /** Pushes and removals arriving together share one commit (every thread pushes here). */
  readonly #writes = new GroupCommit();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new Sql(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => migrate(this.#sql, THREAD_INDEX_MIGRATIONS));
  }

  /** Records a thread's entry unless one with the same or a newer version is recorded already. Resolves once written. */
  upsert(raw: ThreadIndexEntry): Promise<void> {
    const e = ThreadIndexEntry.parse(raw);
    return this.#writes.run(() => {
      this.#sql.exec(
        `INSERT INTO threads (thread_id, user_id, title, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (thread_id) DO UPDATE SET updated_at = excluded.updated_at, version = excluded.version
       WHERE excluded.version > threads.version`,
        e.threadId,
        e.userId,
        e.title,
        e.createdAt,
        e.updatedAt,
        e.version,
      );
    });
  }

  /** Drops a thread's entry (its retention deleted it), in turn with the pushes before it. */
  remove(threadId: string): Promise<void> {
    const id = z.string().parse(threadId);
    return this.#writes.run(() => {
      this.#sql.exec("DELETE FROM threads WHERE thread_id = ?", id);
    });
  }

  /** A page of threads, newest first by creation (ties by id), after `cursor`. */
  list(raw: ThreadListQuery): RpcResult<ThreadList> {
    const q = ThreadListQuery.parse(raw);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(Cursor, q.cursor);
    if (cursor === null) return fail("request.invalid_cursor", "the cursor is not one this API returned");
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.userId !== undefined) {
      where.push("user_id = ?");
      args.push(q.userId);
    }
    if (cursor !== undefined) {
      where.push("(created_at < ? OR (created_at = ? AND thread_id < ?))");
      args.push(cursor.c, cursor.c, cursor.t);
    }
    // One extra row tells whether another page follows.
    const rows = this.#sql
      .all(
        `SELECT thread_id AS threadId, user_id AS userId, title, created_at AS createdAt, updated_at AS updatedAt FROM threads
         ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, thread_id DESC LIMIT ?`,
        ...args,
        q.limit + 1,
      )
      .map((r) => IndexedThread.parse(r));
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return ok({ threads: page, nextCursor: rows.length > q.limit && last ? encodeCursor({ c: last.createdAt, t: last.threadId }) : null });
  }
}
