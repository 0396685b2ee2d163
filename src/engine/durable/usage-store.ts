// The run object's token usage tables (schema migration 8): what each step attempt reported, and the
// journaled answers of step.usage(). RunStore owns one and writes through it inside its transactions.
import { z } from "zod";
import { jsonColumn, type Sql, type SqlValue } from "../../kernel/index.ts";
import { ModelUsage, noUsage, TokenUsage, tokenUsage, type UsageEntry } from "../core/usage.ts";
import type { LazyTables } from "./lazy-tables.ts";

/**
 * The rows a total counts: every row without a key, and a keyed row only from the latest attempt that
 * reported its key (each keyed report restates the work's usage in full; see UsageReport).
 */
const COUNTED = `(usage_key = '' OR attempt = (SELECT MAX(attempt) FROM step_usage v WHERE v.seq = u.seq AND v.usage_key = u.usage_key))`;
const SUMS = "model, provider, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens, SUM(total_tokens) AS totalTokens";

/** A journaled answer of step.usage(): asked at step seq `seq`, the `n`-th time there (from 0). */
export const UsageRead = z.object({ seq: z.number().int(), n: z.number().int(), usage: TokenUsage });
export type UsageRead = z.infer<typeof UsageRead>;

export class UsageStore {
  readonly #sql: Sql;
  /** Both tables are created at their first write (schema.ts, LAZY_TABLES). */
  readonly #lazy: LazyTables;
  /**
   * The steps that reported usage, read once per instance: most steps report none, and a step's end
   * event then asks nothing of SQLite (a set that holds a seq a rolled-back write added only costs a query).
   */
  #reported: Set<number> | null = null;

  constructor(sql: Sql, lazy: LazyTables) {
    this.#sql = sql;
    this.#lazy = lazy;
  }

  /** The object was just created: no step reported usage yet. */
  created(): void {
    this.#reported = new Set();
  }

  /** Journals what attempt `attempt` of step `seq` reported; inside the transaction of its outcome. */
  record(seq: number, attempt: number, entries: readonly UsageEntry[]): void {
    if (entries.length === 0) return;
    this.#steps().add(seq);
    this.#lazy.ensure("step_usage");
    for (const e of entries) {
      this.#sql.exec(
        `INSERT INTO step_usage (seq, usage_key, attempt, model, provider, input_tokens, output_tokens, total_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (seq, usage_key, attempt, model, provider) DO UPDATE SET input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens`,
        seq,
        e.key ?? "",
        attempt,
        e.model,
        e.provider,
        e.inputTokens,
        e.outputTokens,
        e.totalTokens,
      );
    }
  }

  /** The run's usage: every step's, or only the steps before seq `before`. */
  total(before?: number): TokenUsage {
    return before === undefined ? this.#sum("1 = 1") : this.#sum("u.seq < ?", before);
  }

  /** One step's usage over its attempts; null when it reported none. */
  step(seq: number): TokenUsage | null {
    if (!this.#steps().has(seq)) return null;
    const usage = this.#sum("u.seq = ?", seq);
    return usage.byModel.length === 0 ? null : usage;
  }

  /** Every step's usage, by seq (steps that reported none are left out): for a history export. */
  bySteps(): Map<number, TokenUsage> {
    const rows = this.#lazy
      .read("step_usage", [], () =>
        this.#sql.all(`SELECT u.seq AS seq, ${SUMS} FROM step_usage u WHERE ${COUNTED} GROUP BY u.seq, model, provider ORDER BY u.seq`),
      )
      .map((r) => ModelUsage.extend({ seq: z.number().int() }).parse(r));
    const grouped = new Map<number, ModelUsage[]>();
    for (const { seq, ...model } of rows) grouped.set(seq, [...(grouped.get(seq) ?? []), model]);
    return new Map([...grouped].map(([seq, models]) => [seq, tokenUsage(models)]));
  }

  /** The journaled answer of the `n`-th step.usage() at step seq `seq`, if it was asked before. */
  read(seq: number, n: number): TokenUsage | undefined {
    const row = this.#lazy.read("usage_reads", undefined, () => this.#sql.first("SELECT usage FROM usage_reads WHERE seq = ? AND n = ?", seq, n));
    return row === undefined ? undefined : jsonColumn(TokenUsage, z.string().parse(row.usage), "usage_reads.usage");
  }

  /** Journals an answer of step.usage(); an answer already journaled there stays. */
  insertRead(r: UsageRead): void {
    this.#lazy.ensure("usage_reads");
    this.#sql.exec("INSERT INTO usage_reads (seq, n, usage) VALUES (?, ?, ?) ON CONFLICT (seq, n) DO NOTHING", r.seq, r.n, JSON.stringify(r.usage));
  }

  /** Every journaled answer of step.usage(), in the order the handler asked (a history export). */
  allReads(): UsageRead[] {
    return this.#lazy
      .read("usage_reads", [], () => this.#sql.all("SELECT seq, n, usage FROM usage_reads ORDER BY seq, n"))
      .map((r) => UsageRead.parse({ ...r, usage: jsonColumn(TokenUsage, z.string().parse(r.usage), "usage_reads.usage") }));
  }

  #steps(): Set<number> {
    this.#reported ??= new Set(
      this.#lazy.read("step_usage", [], () => this.#sql.all("SELECT DISTINCT seq FROM step_usage")).map((r) => z.number().int().parse(r.seq)),
    );
    return this.#reported;
  }

  #sum(where: string, ...bindings: SqlValue[]): TokenUsage {
    // The set holds every step with rows (and perhaps one whose write rolled back): empty, no rows.
    if (this.#reported?.size === 0) return noUsage();
    const rows = this.#lazy.read("step_usage", [], () =>
      this.#sql.all(`SELECT ${SUMS} FROM step_usage u WHERE ${where} AND ${COUNTED} GROUP BY model, provider`, ...bindings),
    );
    return rows.length === 0 ? noUsage() : tokenUsage(rows.map((r) => ModelUsage.parse(r)));
  }
}
