// The retriers' directory: which ActionRetrier runs are live, so an operator can list them (Durable
// Objects cannot be enumerated). One instance of the ActionRun class, named RUN_DIRECTORY, keeps it.
import { z } from "zod";
import { decodeCursor, encodeCursor, fail, ok, rpcResult, type RpcResult, Sql } from "../../kernel/index.ts";
import type { ActionRunNamespace } from "../bindings.ts";
import type { ActionRunStatus, ActionRunView } from "./rpc.ts";

/** Not a valid run id (ids start with a letter, digit or `_`), so no run can ever take this object. */
export const RUN_DIRECTORY = "~directory";

export const DirectoryEntry = z.object({ runId: z.string().min(1).max(256), action: z.string().min(1).max(300), createdAt: z.number() });
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;

export const DirectoryPage = z.object({
  limit: z.number().int().min(1).max(200),
  cursor: z.string().max(600).optional(),
});
export type DirectoryPage = z.input<typeof DirectoryPage>;

const Cursor = z.object({ c: z.number(), r: z.string() });

/** The directory's rows, in the storage of the RUN_DIRECTORY instance (table `directory`, migration 2). */
export class RunDirectory {
  readonly #sql: Sql;

  constructor(storage: DurableObjectStorage) {
    this.#sql = new Sql(storage);
  }

  add(raw: DirectoryEntry): RpcResult<{ added: boolean }> {
    const e = DirectoryEntry.parse(raw);
    const rows = this.#sql.all(
      "INSERT INTO directory (run_id, action, created_at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO NOTHING RETURNING run_id",
      e.runId,
      e.action,
      e.createdAt,
    );
    return ok({ added: rows.length > 0 });
  }

  remove(runId: string): RpcResult<{ removed: boolean }> {
    return ok({ removed: this.#sql.all("DELETE FROM directory WHERE run_id = ? RETURNING run_id", String(runId)).length > 0 });
  }

  /** Oldest first (the run live longest leads), `limit` at a time. */
  list(raw: DirectoryPage): RpcResult<{ entries: DirectoryEntry[]; nextCursor: string | null }> {
    const q = DirectoryPage.parse(raw);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(Cursor, q.cursor);
    if (cursor === null) return fail("request.invalid_cursor", "the cursor is not one this API returned");
    const after = cursor === undefined ? "" : "WHERE created_at > ? OR (created_at = ? AND run_id > ?)";
    const rows = this.#sql
      .all(
        `SELECT run_id AS runId, action, created_at AS createdAt FROM directory ${after} ORDER BY created_at, run_id LIMIT ?`,
        ...(cursor === undefined ? [] : [cursor.c, cursor.c, cursor.r]),
        q.limit + 1,
      )
      .map((r) => DirectoryEntry.parse(r));
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return ok({ entries: page, nextCursor: rows.length > q.limit && last !== undefined ? encodeCursor({ c: last.createdAt, r: last.runId }) : null });
  }
}

/** A live retrier run as the console lists it. */
export interface LiveRetrierRun {
  runId: string;
  action: string;
  /** `pending` (waiting out a backoff) or `running` (an attempt executes). */
  status: Extract<ActionRunStatus, "pending" | "running">;
  /** Attempts started so far. */
  attempt: number;
  maxAttempts: number;
  /** When the run started. */
  startedAt: number;
  /** In a backoff: when the next attempt starts. */
  nextAttemptAt: number | null;
}

/**
 * A page of the live ActionRetrier runs, each read from its own object (so status, attempt and backoff
 * are current). An entry whose run has ended or is gone is left out, and taken out of the directory:
 * the run's own removal is owed and repeated until done, this only makes the list right sooner.
 */
export async function liveRetrierRuns(
  ns: ActionRunNamespace,
  page: DirectoryPage,
): Promise<RpcResult<{ inFlight: LiveRetrierRun[]; nextCursor: string | null }>> {
  const directory = ns.getByName(RUN_DIRECTORY);
  const listed = await rpcResult<{ entries: DirectoryEntry[]; nextCursor: string | null }>(directory.directoryList(page));
  if (!listed.ok) return listed;
  const views = await Promise.all(listed.value.entries.map((e) => rpcResult<ActionRunView>(ns.getByName(e.runId).describe())));
  const inFlight: LiveRetrierRun[] = [];
  const stale: string[] = [];
  for (const [i, reply] of views.entries()) {
    const entry = listed.value.entries[i]!;
    if (!reply.ok) {
      if (reply.error.code === "job.not_found") stale.push(entry.runId);
      else return reply;
      continue;
    }
    const v = reply.value;
    if (v.status !== "pending" && v.status !== "running") {
      stale.push(entry.runId);
      continue;
    }
    inFlight.push({
      runId: v.id,
      action: v.action,
      status: v.status,
      attempt: v.attempts,
      maxAttempts: v.maxAttempts,
      startedAt: v.createdAt,
      nextAttemptAt: v.nextAttemptAt,
    });
  }
  await Promise.all(stale.map((runId) => directory.directoryRemove(runId)));
  return ok({ inFlight, nextCursor: listed.value.nextCursor });
}
