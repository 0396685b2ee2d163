// The run index: one Durable Object listing runs by workflow and status, newest first. Run objects are
// the source of truth and push their status here (see RunEngine.#syncIndex); a push carries a version
// that only grows, so a late or repeated push never moves an entry backwards.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { fail, migrate, ok, type RpcResult, Sql } from "../../kernel/index.ts";
import { RUN_INDEX_MIGRATIONS } from "./run-index-schema.ts";

export const IndexEntry = z.object({
  runId: z.string(),
  workflow: z.string(),
  status: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number().int(),
  /** The workflow version the run executes on. */
  workflowVersion: z.number().int().positive().default(1),
});
export type IndexEntry = z.input<typeof IndexEntry>;

/**
 * A run as the list shows it. `version` here is the workflow version the run executes on, as in RunView
 * and GET /api/workflows (one name for one thing across the API); IndexEntry's own `version`, the push's
 * ordering number, is never shown.
 */
export const IndexedRun = IndexEntry.pick({ runId: true, workflow: true, status: true, createdAt: true, updatedAt: true }).extend({
  version: z.number().int(),
});
export type IndexedRun = z.infer<typeof IndexedRun>;

/** The statuses of runs that have not ended; the partial index runs_live (run-index-schema.ts) holds exactly these. */
const LIVE_WHERE = "status NOT IN ('completed', 'failed', 'canceled')";

const LiveCount = z.object({ workflow: z.string(), version: z.number().int(), live: z.number().int() });

export const ListQuery = z.object({
  workflow: z.string().optional(),
  status: z.string().optional(),
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().optional(),
});
export type ListQuery = z.input<typeof ListQuery>;

const Cursor = z.object({ c: z.number(), r: z.string() });

export class RunIndex extends DurableObject<Env> {
  readonly #sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new Sql(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => migrate(this.#sql, RUN_INDEX_MIGRATIONS));
  }

  /** Records a run's status unless a newer version is already recorded. */
  upsert(raw: IndexEntry): void {
    const e = IndexEntry.parse(raw);
    this.#sql.exec(
      `INSERT INTO runs (run_id, workflow, status, created_at, updated_at, version, workflow_version) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, version = excluded.version,
         workflow_version = excluded.workflow_version
       WHERE excluded.version > runs.version`,
      e.runId,
      e.workflow,
      e.status,
      e.createdAt,
      e.updatedAt,
      e.version,
      e.workflowVersion,
    );
  }

  /** Drops a run's entry (its object was deleted at the end of its retention). */
  remove(runId: string): void {
    this.#sql.exec("DELETE FROM runs WHERE run_id = ?", z.string().parse(runId));
  }

  /** How many runs that have not finished each workflow version has (versions with none are left out). */
  liveCounts(): { workflow: string; version: number; live: number }[] {
    return this.#sql
      .all(
        `SELECT workflow, workflow_version AS version, COUNT(*) AS live FROM runs WHERE ${LIVE_WHERE}
         GROUP BY workflow, workflow_version ORDER BY workflow, workflow_version`,
      )
      .map((r) => LiveCount.parse(r));
  }

  list(raw: ListQuery): RpcResult<{ runs: IndexedRun[]; nextCursor: string | null }> {
    const q = ListQuery.parse(raw);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (cursor === null) return fail("request.invalid_cursor", "the cursor is not one this API returned");
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
    if (cursor !== undefined) {
      const c = cursor;
      where.push("(created_at < ? OR (created_at = ? AND run_id < ?))");
      args.push(c.c, c.c, c.r);
    }
    const rows = this.#sql
      .all(
        `SELECT run_id AS runId, workflow, status, created_at AS createdAt, updated_at AS updatedAt, workflow_version AS version FROM runs
         ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at DESC, run_id DESC LIMIT ?`,
        ...args,
        q.limit + 1,
      )
      .map((r) => IndexedRun.parse(r));
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return ok({ runs: page, nextCursor: rows.length > q.limit && last ? encodeCursor({ c: last.createdAt, r: last.runId }) : null });
  }
}

function encodeCursor(c: z.infer<typeof Cursor>): string {
  return btoa(JSON.stringify(c)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function decodeCursor(s: string): z.infer<typeof Cursor> | null {
  try {
    return Cursor.parse(JSON.parse(atob(s.replaceAll("-", "+").replaceAll("_", "/"))));
  } catch {
    return null;
  }
}
