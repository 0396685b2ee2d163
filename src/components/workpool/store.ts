// Every SQL statement of the pool object, behind typed methods; rows read back are parsed.
// The pool's state is small: settings and counters, the queue with its slots, jobs not yet handed out.
import { z } from "zod";
import { migrate, Sql } from "../../kernel/index.ts";
import { holderFamily, type PoolSettings } from "./core/queue.ts";
import type { PoolFailure } from "./rpc.ts";
import { WORKPOOL_MIGRATIONS } from "./schema.ts";

export const EntryState = z.enum(["queued", "dispatching", "active"]);
export type EntryState = z.infer<typeof EntryState>;

export const Entry = z.object({
  pos: z.number().int(),
  holder: z.string(),
  jobId: z.string().nullable(),
  state: EntryState,
  until: z.number().nullable(),
  enqueuedAt: z.number(),
  /** A workflow run waiting in its line (flow control), and how long its slot lasts once granted. */
  runId: z.string().nullable(),
  holdMs: z.number().nullable(),
});
export type Entry = z.infer<typeof Entry>;

export const Burst = z.object({
  runId: z.string(),
  args: z.string(),
  state: z.enum(["open", "closing"]),
  firstAt: z.number(),
  dueAt: z.number(),
});
export type Burst = z.infer<typeof Burst>;
const BURST_COLUMNS = "run_id AS runId, args, state, first_at AS firstAt, due_at AS dueAt";

export const JobState = z.enum(["queued", "dispatched", "canceling", "canceled"]);
export type JobState = z.infer<typeof JobState>;

export const JobRow = z.object({ jobId: z.string(), spec: z.string().nullable(), state: JobState, nextAt: z.number().nullable(), enqueuedAt: z.number() });
export type JobRow = z.infer<typeof JobRow>;

const Counters = z.object({
  enqueued: z.number().int(),
  granted: z.number().int(),
  released: z.number().int(),
  expired: z.number().int(),
  abandoned: z.number().int(),
  canceled: z.number().int(),
});
export type Counter = keyof z.infer<typeof Counters>;

const PoolRow = Counters.extend({
  name: z.string().nullable(),
  declaredMax: z.number().int().nullable(),
  overrideMax: z.number().int().nullable(),
  leaseMs: z.number().int().nullable(),
  alarmAt: z.number().nullable(),
  /** Whether the pools' directory confirmed it lists this pool. */
  listed: z
    .number()
    .int()
    .transform((n) => n === 1),
});
export type PoolRow = z.infer<typeof PoolRow>;

const FailureRow = z.object({ jobId: z.string(), action: z.string(), code: z.string(), message: z.string(), at: z.number() });

const ENTRY_COLUMNS = "pos, holder, job_id AS jobId, state, until, enqueued_at AS enqueuedAt, run_id AS runId, hold_ms AS holdMs";
const IN_FLIGHT = "state IN ('dispatching', 'active')";

export class WorkpoolStore {
  readonly #sql: Sql;

  constructor(storage: DurableObjectStorage) {
    this.#sql = new Sql(storage);
  }

  migrate(): void {
    migrate(this.#sql, WORKPOOL_MIGRATIONS);
  }

  transaction<T>(fn: () => T): T {
    return this.#sql.transaction(fn);
  }

  // -- settings and counters -------------------------------------------------------------------

  pool(): PoolRow {
    return PoolRow.parse(
      this.#sql.first(`SELECT name, declared_max AS declaredMax, override_max AS overrideMax, lease_ms AS leaseMs, alarm_at AS alarmAt, listed,
        enqueued, granted, released, expired, abandoned, canceled FROM pool WHERE id = 1`),
    );
  }

  saveSettings(s: PoolSettings & { name: string | null }): void {
    this.#sql.exec("UPDATE pool SET name = ?, declared_max = ?, override_max = ?, lease_ms = ? WHERE id = 1", s.name, s.declaredMax, s.overrideMax, s.leaseMs);
  }

  saveAlarmAt(at: number | null): void {
    this.#sql.exec("UPDATE pool SET alarm_at = ? WHERE id = 1", at);
  }

  markListed(): void {
    this.#sql.exec("UPDATE pool SET listed = 1 WHERE id = 1");
  }

  count(counter: Counter, by = 1): void {
    // SAFETY: `counter` is one of the Counters keys, each a column of the pool table.
    this.#sql.exec(`UPDATE pool SET ${counter} = ${counter} + ? WHERE id = 1`, by);
  }

  // -- the queue and its slots -----------------------------------------------------------------

  entry(holder: string): Entry | undefined {
    const row = this.#sql.first(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE holder = ?`, holder);
    return row === undefined ? undefined : Entry.parse(row);
  }

  enqueue(e: { holder: string; jobId: string | null; until: number | null; now: number; runId?: string; holdMs?: number | null }): void {
    const { family, attempt } = holderFamily(e.holder);
    this.#sql.exec(
      "INSERT INTO entries (holder, family, attempt, job_id, state, until, enqueued_at, run_id, hold_ms) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
      e.holder,
      family,
      attempt,
      e.jobId,
      e.until,
      e.now,
      e.runId ?? null,
      e.holdMs ?? null,
    );
  }

  /** A slot taken at once, held until `until` (null: until given back): a rate limit's start, a run admitted on arrival. */
  insertActive(e: { holder: string; runId: string; until: number | null; holdMs: number | null; now: number }): void {
    const { family, attempt } = holderFamily(e.holder);
    this.#sql.exec(
      "INSERT INTO entries (holder, family, attempt, job_id, state, until, enqueued_at, granted_at, run_id, hold_ms) VALUES (?, ?, ?, NULL, 'active', ?, ?, ?, ?, ?)",
      e.holder,
      family,
      attempt,
      e.until,
      e.now,
      e.now,
      e.runId,
      e.holdMs,
    );
  }

  /** The earliest time an in-flight slot runs out (a rate limit's window frees then). */
  earliestSlotEnd(): number | null {
    const at = this.#sql.first(`SELECT MIN(until) AS at FROM entries WHERE ${IN_FLIGHT}`)?.at;
    return typeof at === "number" ? at : null;
  }

  /** The latest entry of the holder's family with an earlier attempt, if any. */
  earlierAttempt(holder: string): Entry | undefined {
    const { family, attempt } = holderFamily(holder);
    const row = this.#sql.first(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE family = ? AND attempt < ? ORDER BY attempt DESC LIMIT 1`, family, attempt);
    return row === undefined ? undefined : Entry.parse(row);
  }

  /** Gives an entry (its place in line, or its slot) to a later attempt of the same holder. */
  rename(from: string, to: string): void {
    this.#sql.exec("UPDATE entries SET holder = ?, attempt = ? WHERE holder = ?", to, holderFamily(to).attempt, from);
  }

  /** The oldest queued entries, in order. */
  queueHead(limit: number): Entry[] {
    return this.#sql.all(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE state = 'queued' ORDER BY pos LIMIT ?`, limit).map((r) => Entry.parse(r));
  }

  inFlight(): number {
    return Number(this.#sql.first(`SELECT COUNT(*) AS n FROM entries WHERE ${IN_FLIGHT}`)?.n ?? 0);
  }

  queued(): number {
    return Number(this.#sql.first("SELECT COUNT(*) AS n FROM entries WHERE state = 'queued'")?.n ?? 0);
  }

  /** How many queued entries are ahead of `pos`. */
  ahead(pos: number): number {
    return Number(this.#sql.first("SELECT COUNT(*) AS n FROM entries WHERE state = 'queued' AND pos < ?", pos)?.n ?? 0);
  }

  /** Moves an entry to `state` with deadline `until`, only if it is in one of `from`; true if it was. */
  move(holder: string, from: readonly EntryState[], to: EntryState, until: number | null, now: number): boolean {
    const marks = from.map(() => "?").join(", ");
    return (
      this.#sql.all(
        `UPDATE entries SET state = ?, until = ?, granted_at = CASE WHEN ? = 'queued' THEN NULL ELSE COALESCE(granted_at, ?) END
         WHERE holder = ? AND state IN (${marks}) RETURNING pos`,
        to,
        until,
        to,
        now,
        holder,
        ...from,
      ).length > 0
    );
  }

  /** Refreshes a queued holder's presence deadline. */
  touch(holder: string, until: number): void {
    this.#sql.exec("UPDATE entries SET until = ? WHERE holder = ? AND state = 'queued'", until, holder);
  }

  remove(holder: string): Entry | undefined {
    const row = this.#sql.first(`DELETE FROM entries WHERE holder = ? RETURNING ${ENTRY_COLUMNS}`, holder);
    return row === undefined ? undefined : Entry.parse(row);
  }

  /** Active slots whose lease ended by `cutoff`: removed, returned. */
  takeExpired(cutoff: number): Entry[] {
    return this.#sql.all(`DELETE FROM entries WHERE state = 'active' AND until <= ? RETURNING ${ENTRY_COLUMNS}`, cutoff).map((r) => Entry.parse(r));
  }

  /** Dispatches not acknowledged by `cutoff`. */
  dueDispatches(cutoff: number): Entry[] {
    return this.#sql.all(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE state = 'dispatching' AND until <= ? ORDER BY pos`, cutoff).map((r) => Entry.parse(r));
  }

  /** The earliest deadline an alarm must serve: a lease end, a dispatch resend, a cancel notice. */
  earliestDeadline(): number | null {
    const a = this.earliestSlotEnd();
    const b = this.#sql.first("SELECT MIN(next_at) AS at FROM jobs WHERE state = 'canceling'")?.at;
    const c = this.#sql.first("SELECT MIN(due_at) AS at FROM bursts")?.at;
    const times = [a, b, c].filter((t): t is number => typeof t === "number");
    return times.length === 0 ? null : Math.min(...times);
  }

  // -- debounce bursts ------------------------------------------------------------------------

  openBurst(): Burst | undefined {
    const row = this.#sql.first(`SELECT ${BURST_COLUMNS} FROM bursts WHERE state = 'open' ORDER BY first_at LIMIT 1`);
    return row === undefined ? undefined : Burst.parse(row);
  }

  burst(runId: string): Burst | undefined {
    const row = this.#sql.first(`SELECT ${BURST_COLUMNS} FROM bursts WHERE run_id = ?`, runId);
    return row === undefined ? undefined : Burst.parse(row);
  }

  openNewBurst(b: { runId: string; args: string; now: number; dueAt: number }): void {
    this.#sql.exec("INSERT INTO bursts (run_id, args, state, first_at, due_at) VALUES (?, ?, 'open', ?, ?)", b.runId, b.args, b.now, b.dueAt);
  }

  /** Another start joined the burst: its args are the last, and the burst is due later. */
  extendBurst(runId: string, args: string, dueAt: number): void {
    this.#sql.exec("UPDATE bursts SET args = ?, due_at = ? WHERE run_id = ? AND state = 'open'", args, dueAt, runId);
  }

  /** Bursts due by `cutoff`: open ones that ended, closing ones whose admission is sent again. */
  dueBursts(cutoff: number): Burst[] {
    return this.#sql.all(`SELECT ${BURST_COLUMNS} FROM bursts WHERE due_at <= ? ORDER BY due_at`, cutoff).map((r) => Burst.parse(r));
  }

  /** The burst's run is being admitted; the admission goes again at `retryAt` unless it is answered. */
  closeBurst(runId: string, retryAt: number): void {
    this.#sql.exec("UPDATE bursts SET state = 'closing', due_at = ? WHERE run_id = ?", retryAt, runId);
  }

  deleteBurst(runId: string): boolean {
    return this.#sql.all("DELETE FROM bursts WHERE run_id = ? RETURNING run_id", runId).length > 0;
  }

  // -- failures --------------------------------------------------------------------------------

  /** Records a job that failed for good (once per job), keeping the newest `keep`. */
  addFailure(f: PoolFailure, keep: number): void {
    this.#sql.transaction(() => {
      this.#sql.exec(
        "INSERT INTO failures (job_id, action, code, message, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO NOTHING",
        f.jobId,
        f.action,
        f.error.code,
        f.error.message,
        f.at,
      );
      this.#sql.exec("DELETE FROM failures WHERE seq <= (SELECT MAX(seq) FROM failures) - ?", keep);
    });
  }

  /** Newest first. */
  failures(): PoolFailure[] {
    return this.#sql
      .all("SELECT job_id AS jobId, action, code, message, at FROM failures ORDER BY seq DESC")
      .map((r) => FailureRow.parse(r))
      .map((r) => ({ jobId: r.jobId, action: r.action, error: { code: r.code, message: r.message }, at: r.at }));
  }

  // -- jobs ------------------------------------------------------------------------------------

  job(jobId: string): JobRow | undefined {
    const row = this.#sql.first("SELECT job_id AS jobId, spec, state, next_at AS nextAt, enqueued_at AS enqueuedAt FROM jobs WHERE job_id = ?", jobId);
    return row === undefined ? undefined : JobRow.parse(row);
  }

  insertJob(j: { jobId: string; spec: string; now: number }): void {
    this.#sql.exec("INSERT INTO jobs (job_id, spec, state, enqueued_at, updated_at) VALUES (?, ?, 'queued', ?, ?)", j.jobId, j.spec, j.now, j.now);
  }

  /** Moves a job on; the spec is dropped once an action run holds it (dispatched, canceled). */
  setJobState(jobId: string, state: JobState, now: number, nextAt: number | null = null): void {
    const keepSpec = state === "queued" || state === "canceling";
    this.#sql.exec(`UPDATE jobs SET state = ?, next_at = ?, updated_at = ?${keepSpec ? "" : ", spec = NULL"} WHERE job_id = ?`, state, nextAt, now, jobId);
  }

  dueCancelNotices(cutoff: number): JobRow[] {
    return this.#sql
      .all("SELECT job_id AS jobId, spec, state, next_at AS nextAt, enqueued_at AS enqueuedAt FROM jobs WHERE state = 'canceling' AND next_at <= ?", cutoff)
      .map((r) => JobRow.parse(r));
  }

  /** Forgets handed-out jobs older than `before` (their action runs answer for them). */
  pruneJobs(before: number): void {
    this.#sql.exec("DELETE FROM jobs WHERE spec IS NULL AND updated_at < ?", before);
  }
}
