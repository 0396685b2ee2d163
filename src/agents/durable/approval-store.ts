// Every SQL statement about tool calls waiting for a human's decision (table tool_approvals, migration
// 5 of thread-schema.ts). A request is recorded when the message asking for it is saved, and applied
// when the message holding its decision is saved, each in that message's transaction.
import { z } from "zod";
import type { Sql, SqlRow } from "../../kernel/index.ts";
import { approvalRequestsOf, approvalResponsesOf, type ApprovalOwner, type ApprovalStatus, ToolApproval, type ToolDecision } from "../core/approval.ts";
import type { ThreadModelMessage } from "../core/message.ts";

const COLUMNS = `approval_id AS approvalId, answer_id AS answerId, prompt_message_id AS promptMessageId, agent_name AS agentName,
  tool_call_id AS toolCallId, tool_name AS toolName, input, owner, run_id AS runId, signal, request_seq AS requestSeq, status, reason,
  decided_by AS decidedBy, decided_at AS decidedAt, applied_at AS appliedAt, expires_at AS expiresAt, created_at AS createdAt`;

/** A row as stored: the approval (its input as JSON text) with where a run waits for it. */
const Row = ToolApproval.omit({ threadId: true, input: true }).extend({
  input: z.string(),
  signal: z.string().nullable(),
  requestSeq: z.number().nullable(),
});

/** An approval with where its run waits for it (a run-owned approval's signal and request step). */
export type StoredApproval = ToolApproval & { signal: string | null; requestSeq: number | null };

/** Why a decision was not taken. */
export type DecideRefusal = "not_found" | "already_decided" | "expired" | "canceled";

export class ApprovalStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Records the requests a saved message makes and applies the decisions it saves (inside the append's transaction). */
  record(message: ThreadModelMessage, m: { answerId: string; promptMessageId: string | undefined; agentName: string | undefined; now: number }): void {
    for (const r of approvalRequestsOf(message)) {
      this.#sql.exec(
        `INSERT INTO tool_approvals (approval_id, answer_id, prompt_message_id, agent_name, tool_call_id, tool_name, input, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (approval_id) DO NOTHING`,
        r.approvalId,
        m.answerId,
        m.promptMessageId ?? "",
        m.agentName ?? "",
        r.toolCallId,
        r.toolName,
        JSON.stringify(r.input ?? null),
        m.now,
      );
    }
    for (const d of approvalResponsesOf(message)) {
      // The saved decision is what the tool went by: it wins over whatever the row held.
      this.#sql.exec(
        `UPDATE tool_approvals SET status = CASE WHEN status IN ('expired', 'canceled') AND ? = 0 THEN status WHEN ? = 1 THEN 'approved' ELSE 'denied' END,
           reason = COALESCE(reason, ?), decided_at = COALESCE(decided_at, ?), applied_at = COALESCE(applied_at, ?)
         WHERE approval_id = ?`,
        d.approved ? 1 : 0,
        d.approved ? 1 : 0,
        d.reason ?? null,
        m.now,
        m.now,
        d.approvalId,
      );
    }
  }

  /** Says who waits for the decision and until when; a decided or canceled approval keeps its state. */
  claim(c: { approvalId: string; owner: ApprovalOwner; runId: string | null; signal: string | null; requestSeq: number | null; expiresAt: number }): boolean {
    this.#sql.exec(
      "UPDATE tool_approvals SET owner = ?, run_id = ?, signal = ?, request_seq = ?, expires_at = ? WHERE approval_id = ?",
      c.owner,
      c.runId,
      c.signal,
      c.requestSeq,
      c.expiresAt,
      c.approvalId,
    );
    return this.#sql.first("SELECT 1 AS one FROM tool_approvals WHERE approval_id = ?", c.approvalId) !== undefined;
  }

  get(threadId: string, approvalId: string): StoredApproval | undefined {
    const row = this.#sql.first(`SELECT ${COLUMNS} FROM tool_approvals WHERE approval_id = ?`, approvalId);
    return row === undefined ? undefined : toApproval(threadId, row);
  }

  /** Newest first; `status` filters. */
  list(threadId: string, opts: { status?: z.infer<typeof ApprovalStatus>; limit: number }): StoredApproval[] {
    const rows =
      opts.status === undefined
        ? this.#sql.all(`SELECT ${COLUMNS} FROM tool_approvals ORDER BY created_at DESC, approval_id LIMIT ?`, opts.limit)
        : this.#sql.all(`SELECT ${COLUMNS} FROM tool_approvals WHERE status = ? ORDER BY created_at DESC, approval_id LIMIT ?`, opts.status, opts.limit);
    return rows.map((r) => toApproval(threadId, r));
  }

  forAnswer(threadId: string, answerId: string): StoredApproval[] {
    return this.#sql
      .all(`SELECT ${COLUMNS} FROM tool_approvals WHERE answer_id = ? ORDER BY created_at, approval_id`, answerId)
      .map((r) => toApproval(threadId, r));
  }

  /**
   * Takes a decision on an approval the thread itself waits for: only while it is pending and before it
   * expires, once (the update is the check).
   */
  decide(
    threadId: string,
    approvalId: string,
    d: Omit<ToolDecision, "approvalId">,
    now: number,
  ): { ok: true; approval: StoredApproval } | { ok: false; refused: DecideRefusal } {
    const before = this.get(threadId, approvalId);
    if (before === undefined) return { ok: false, refused: "not_found" };
    // Synchronous from the read to the write: nothing else decides in between.
    if (before.status === "expired" || before.status === "canceled") return { ok: false, refused: before.status };
    if (before.status !== "pending") return { ok: false, refused: "already_decided" };
    if (before.expiresAt !== null && before.expiresAt <= now) return { ok: false, refused: "expired" };
    this.#sql.exec(
      "UPDATE tool_approvals SET status = ?, reason = ?, decided_by = ?, decided_at = ? WHERE approval_id = ?",
      d.approved ? "approved" : "denied",
      d.reason ?? null,
      d.by ?? null,
      now,
      approvalId,
    );
    return { ok: true, approval: this.get(threadId, approvalId)! };
  }

  /** Thread-owned approvals past their expiry become `expired`; returns them (their ids and answers). */
  expireDue(now: number): { approvalId: string; answerId: string }[] {
    const due = this.#sql
      .all("SELECT approval_id AS approvalId, answer_id AS answerId FROM tool_approvals WHERE owner = 'thread' AND status = 'pending' AND expires_at <= ?", now)
      .map((r) => z.object({ approvalId: z.string(), answerId: z.string() }).parse(r));
    this.#sql.exec(
      "UPDATE tool_approvals SET status = 'expired', decided_by = 'timeout', decided_at = ? WHERE owner = 'thread' AND status = 'pending' AND expires_at <= ?",
      now,
      now,
    );
    return due;
  }

  /** When the next thread-owned approval expires; null when none waits. */
  nextExpiry(): number | null {
    const row = this.#sql.first("SELECT MIN(expires_at) AS at FROM tool_approvals WHERE owner = 'thread' AND status = 'pending'");
    return z
      .number()
      .nullable()
      .parse(row?.at ?? null);
  }

  /** Thread-owned answers whose every approval is decided but whose decisions are not saved yet: the thread goes on with them. */
  readyToContinue(): string[] {
    return this.#sql
      .all(
        `SELECT answer_id AS answerId FROM tool_approvals WHERE owner = 'thread' AND status != 'canceled' GROUP BY answer_id
         HAVING SUM(status = 'pending') = 0 AND SUM(applied_at IS NULL) > 0`,
      )
      .map((r) => z.string().parse(r.answerId));
  }

  /** A regenerated answer's open approvals will never be decided. */
  cancel(answerId: string, now: number): void {
    this.#sql.exec("UPDATE tool_approvals SET status = 'canceled', decided_at = ? WHERE answer_id = ? AND status = 'pending'", now, answerId);
  }
}

function toApproval(threadId: string, raw: SqlRow): StoredApproval {
  const row = Row.parse(raw);
  const { input, ...rest } = row;
  return { ...rest, threadId, input: JSON.parse(input) };
}
