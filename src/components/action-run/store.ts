// Every SQL statement of the action run object, behind typed methods; rows read back are parsed.
// Callers group writes with `transaction` so each transition of the run is one storage transaction.
import { z } from "zod";
import { migrate, Sql } from "../../kernel/index.ts";
import { Outbox, RunState } from "./core/plan.ts";
import { ACTION_RUN_MIGRATIONS } from "./schema.ts";

export const RunRow = z.object({
  runId: z.string(),
  action: z.string(),
  args: z.string().nullable(),
  policy: z.string(),
  pool: z.string().nullable(),
  onCompleteRef: z.string().nullable(),
  state: RunState,
  attempts: z.number().int(),
  holder: z.string().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
  wakeAt: z.number().nullable(),
  generation: z.number().int(),
  onComplete: z.enum(["none", "pending", "done"]),
  onCompleteError: z.string().nullable(),
  outbox: Outbox,
  createdAt: z.number(),
  updatedAt: z.number(),
  completedAt: z.number().nullable(),
});
export type RunRow = z.infer<typeof RunRow>;

export const AttemptRow = z.object({
  attempt: z.number().int(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: z.string().nullable(),
  retryAt: z.number().nullable(),
});
export type AttemptRow = z.infer<typeof AttemptRow>;

const RUN_COLUMNS = `run_id AS runId, action, args, policy, pool, on_complete AS onCompleteRef, state, attempts, holder,
  result, error, wake_at AS wakeAt, generation, on_complete_state AS onComplete, on_complete_error AS onCompleteError, outbox,
  created_at AS createdAt, updated_at AS updatedAt, completed_at AS completedAt`;

type RunPatch = Partial<
  Pick<RunRow, "state" | "attempts" | "holder" | "result" | "error" | "wakeAt" | "generation" | "onComplete" | "onCompleteError" | "outbox" | "completedAt">
>;

const COLUMN: Record<keyof RunPatch, string> = {
  state: "state",
  attempts: "attempts",
  holder: "holder",
  result: "result",
  error: "error",
  wakeAt: "wake_at",
  generation: "generation",
  onComplete: "on_complete_state",
  onCompleteError: "on_complete_error",
  outbox: "outbox",
  completedAt: "completed_at",
};

export class ActionRunStore {
  readonly #sql: Sql;

  constructor(storage: DurableObjectStorage) {
    this.#sql = new Sql(storage);
  }

  migrate(): void {
    migrate(this.#sql, ACTION_RUN_MIGRATIONS);
  }

  transaction<T>(fn: () => T): T {
    return this.#sql.transaction(fn);
  }

  get(): RunRow | undefined {
    const row = this.#sql.first(`SELECT ${RUN_COLUMNS} FROM run WHERE id = 1`);
    return row === undefined ? undefined : RunRow.parse(row);
  }

  insert(r: Omit<RunRow, "generation" | "onCompleteError" | "updatedAt">): void {
    this.#sql.exec(
      `INSERT INTO run (id, run_id, action, args, policy, pool, on_complete, state, attempts, holder, result, error, wake_at,
        on_complete_state, outbox, created_at, updated_at, completed_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.runId,
      r.action,
      r.args,
      r.policy,
      r.pool,
      r.onCompleteRef,
      r.state,
      r.attempts,
      r.holder,
      r.result,
      r.error,
      r.wakeAt,
      r.onComplete,
      r.outbox,
      r.createdAt,
      r.createdAt,
      r.completedAt,
    );
  }

  /** Changes only the given fields. */
  update(patch: RunPatch, now: number): void {
    const sets = ["updated_at = ?"];
    const values: (string | number | null)[] = [now];
    // SAFETY: Object.entries loses the key type; `patch` has only RunPatch keys, with these value types.
    for (const [key, value] of Object.entries(patch) as [keyof RunPatch, string | number | null | undefined][]) {
      if (value === undefined) continue;
      sets.push(`${COLUMN[key]} = ?`);
      values.push(value);
    }
    this.#sql.exec(`UPDATE run SET ${sets.join(", ")} WHERE id = 1`, ...values);
  }

  /** Records that the message owed for `sent` was delivered, unless the run owes another one meanwhile. */
  delivered(sent: Outbox, next: Outbox, now: number): void {
    this.#sql.exec("UPDATE run SET outbox = ?, updated_at = ? WHERE id = 1 AND outbox = ?", next, now, sent);
  }

  startAttempt(attempt: number, now: number): void {
    this.#sql.exec("INSERT INTO attempts (attempt, started_at) VALUES (?, ?) ON CONFLICT (attempt) DO NOTHING", attempt, now);
  }

  endAttempt(attempt: number, r: { now: number; error: string | null; retryAt: number | null }): void {
    this.#sql.exec("UPDATE attempts SET ended_at = ?, error = ?, retry_at = ? WHERE attempt = ?", r.now, r.error, r.retryAt, attempt);
  }

  attempts(): AttemptRow[] {
    return this.#sql
      .all("SELECT attempt, started_at AS startedAt, ended_at AS endedAt, error, retry_at AS retryAt FROM attempts ORDER BY attempt")
      .map((r) => AttemptRow.parse(r));
  }
}
