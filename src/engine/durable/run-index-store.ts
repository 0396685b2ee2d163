// Every SQL statement of the run index: entries written only forwards (by the push's version), the
// open signal waits kept beside them for the inbox, and the reads of the list, counts and inbox.
import { z } from "zod";
import { decodeCursor, jsonColumn, type Sql } from "../../kernel/index.ts";
import {
  type IndexEntry,
  IndexedRun,
  IndexWait,
  InboxCursor,
  inboxCursor,
  InboxQuery,
  InboxWait,
  ListCursor,
  listCursor,
  ListQuery,
  RunCount,
  type InboxPage,
  type RunPage,
} from "./index-entry.ts";

/** The statuses of runs that have not ended; the partial index runs_live (run-index-schema.ts) holds exactly these. */
const LIVE_WHERE = "status NOT IN ('completed', 'failed', 'canceled')";

const LiveCount = z.object({ workflow: z.string(), version: z.number().int(), live: z.number().int() });

const RUN_COLUMNS =
  "run_id AS runId, workflow, status, created_at AS createdAt, updated_at AS updatedAt, workflow_version AS version, waiting_for AS waitingFor, completed_at AS completedAt";

const Waits = z.array(IndexWait);
/** A runs row as read: waiting_for still JSON text. */
const RunRow = IndexedRun.extend({ waitingFor: z.string() });

export class RunIndexStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /**
   * Records entries, each unless a newer version of its run is already recorded (or comes before it in
   * `entries`), and with them (by the schema's triggers) the runs' open signal waits. One statement for
   * all of them, so the lot is written or, when it fails, none: the run index writes the pushes that
   * arrive together this way (one statement costs workerd more than the rows it writes). Returns, for
   * each entry, the run as the list now shows it, or null when the push was older than what is held.
   */
  upsert(entries: readonly z.output<typeof IndexEntry>[]): (IndexedRun | null)[] {
    const rows = entries.map((e) => [
      e.runId,
      e.workflow,
      e.status,
      e.createdAt,
      e.updatedAt,
      e.version,
      e.workflowVersion,
      JSON.stringify(e.waitingFor),
      e.completedAt,
    ]);
    // The entries' own order (json_each's key), so that of two pushes of one run the later version lands last.
    const applied = this.#sql.all(
      `INSERT INTO runs (run_id, workflow, status, created_at, updated_at, version, workflow_version, waiting_for, completed_at)
       SELECT e ->> 0, e ->> 1, e ->> 2, e ->> 3, e ->> 4, e ->> 5, e ->> 6, e ->> 7, e ->> 8
         FROM (SELECT value AS e FROM json_each(?) ORDER BY key) WHERE true
       ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, version = excluded.version,
         workflow_version = excluded.workflow_version, waiting_for = excluded.waiting_for, completed_at = excluded.completed_at
       WHERE excluded.version > runs.version
       RETURNING run_id AS runId, version`,
      JSON.stringify(rows),
    );
    // Which entries were written: by run and version (two pushes of one run and version write once, the first).
    const written = new Map<string, number>();
    for (const r of applied) {
      const key = `${String(r.version)}:${String(r.runId)}`;
      written.set(key, (written.get(key) ?? 0) + 1);
    }
    return entries.map((e) => {
      const key = `${e.version}:${e.runId}`;
      const left = written.get(key) ?? 0;
      if (left === 0) return null;
      written.set(key, left - 1);
      return {
        runId: e.runId,
        workflow: e.workflow,
        status: e.status,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        version: e.workflowVersion,
        waitingFor: e.waitingFor,
        completedAt: e.completedAt,
      };
    });
  }

  /** Drops a run's entry and (by the schema's trigger) its waits; true when there was one. */
  remove(runId: string): boolean {
    return this.#sql.first("DELETE FROM runs WHERE run_id = ? RETURNING run_id", runId) !== undefined;
  }

  /** Records that `shard` holds entries (see RunIndex.noteShard); a shard recorded already stays as it is. */
  noteShard(shard: number): void {
    this.#sql.exec("INSERT INTO shards (shard) VALUES (?) ON CONFLICT (shard) DO NOTHING", shard);
  }

  /** Whether `shard` is recorded here. */
  hasShard(shard: number): boolean {
    return this.#sql.first("SELECT 1 AS x FROM shards WHERE shard = ?", shard) !== undefined;
  }

  /** One past the highest shard recorded here, at least 1: on shard 0, how many shards lists must read at least. */
  shardsKnown(): number {
    const highest = this.#sql.first("SELECT MAX(shard) AS highest FROM shards")?.highest;
    return typeof highest === "number" ? highest + 1 : 1;
  }

  /** Whether no entry is held. */
  isEmpty(): boolean {
    return this.#sql.first("SELECT 1 AS x FROM runs LIMIT 1") === undefined;
  }

  /** How many runs that have not finished each workflow version has (versions with none are left out). */
  liveCounts(): z.infer<typeof LiveCount>[] {
    return this.#sql
      .all(
        `SELECT workflow, workflow_version AS version, COUNT(*) AS live FROM runs WHERE ${LIVE_WHERE}
         GROUP BY workflow, workflow_version ORDER BY workflow, workflow_version`,
      )
      .map((r) => LiveCount.parse(r));
  }

  /** Runs newest first, filtered; null when the cursor is not one this list returned. */
  list(raw: ListQuery): RunPage | null {
    const q = ListQuery.parse(raw);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(ListCursor, q.cursor);
    if (cursor === null) return null;
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.workflow !== undefined) {
      where.push("workflow = ?");
      args.push(q.workflow);
    }
    if (q.status !== undefined) {
      where.push("status = ?");
      args.push(q.status);
    }
    if (q.q !== undefined) {
      // A range on the primary key, not LIKE (which ignores case and cannot use the key's order).
      where.push("run_id >= ? AND run_id < ?");
      args.push(q.q, prefixEnd(q.q));
    }
    if (cursor !== undefined) {
      where.push("(created_at < ? OR (created_at = ? AND run_id < ?))");
      args.push(cursor.c, cursor.c, cursor.r);
    }
    const rows = this.#sql
      .all(
        `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY created_at DESC, run_id DESC LIMIT ?`,
        ...args,
        q.limit + 1,
      )
      .map((r) => {
        const row = RunRow.parse(r);
        return { ...row, waitingFor: jsonColumn(Waits, row.waitingFor, "runs.waiting_for") };
      });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const result: RunPage = { runs: page, nextCursor: rows.length > q.limit && last ? listCursor(last) : null };
    if (q.counts) result.counts = this.counts();
    return result;
  }

  /** How many runs each workflow has in each status, over the whole index (kept by triggers in run_counts). */
  counts(): RunCount[] {
    return this.#sql.all("SELECT workflow, status, count FROM run_counts WHERE count > 0 ORDER BY workflow, status").map((r) => RunCount.parse(r));
  }

  /** The open signal waits of live runs, oldest first; null when the cursor is not one this list returned. */
  inbox(raw: InboxQuery): InboxPage | null {
    const q = InboxQuery.parse(raw);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(InboxCursor, q.cursor);
    if (cursor === null) return null;
    const after = cursor === undefined ? "" : "WHERE (since, run_id, seq) > (?, ?, ?)";
    const rows = this.#sql
      .all(
        `SELECT run_id AS runId, workflow, run_created_at AS runCreatedAt, seq, signal, since, timeout_at AS timeoutAt, label
         FROM signal_waits ${after} ORDER BY since, run_id, seq LIMIT ?`,
        ...(cursor === undefined ? [] : [cursor.s, cursor.r, cursor.q]),
        q.limit + 1,
      )
      .map(({ label, ...r }) => InboxWait.parse(label === null ? r : { ...r, label }));
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return { waits: page, nextCursor: rows.length > q.limit && last ? inboxCursor(last) : null };
  }
}

/** The smallest string above every string that starts with `prefix` (ASCII, see ListQuery.q): its last character raised by one. */
function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
