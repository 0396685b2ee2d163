// Every SQL statement of the schedule object, behind typed methods; rows read back are parsed.
// One schedule row, its recent fires, and (in the directory's instance only) the directory's rows.
import { z } from "zod";
import { jsonColumn, migrate, Sql } from "../../kernel/index.ts";
import { StoredSpec, type ScheduleSpec } from "./core/index.ts";
import { SCHEDULE_MIGRATIONS } from "./schema.ts";

/** How many fires a schedule keeps (the newest). */
export const RECENT_FIRES = 50;

export const ScheduleSource = z.enum(["code", "api"]);
export type ScheduleSource = z.infer<typeof ScheduleSource>;

/** failed: the start was refused for good (the workflow is gone, or its args no longer pass its schema). */
export const FireOutcome = z.enum(["started", "skipped", "buffered", "missed", "canceled_previous", "failed"]);
export type FireOutcome = z.infer<typeof FireOutcome>;

/** What a fire row still owes: a run to start, or a previous run to cancel and then a start. */
export const FireAction = z.enum(["start", "cancel_previous"]);
export type FireAction = z.infer<typeof FireAction>;

const bool = z
  .number()
  .int()
  .transform((n) => n === 1);

const Row = z.object({
  name: z.string().nullable(),
  spec: z.string().nullable(),
  source: ScheduleSource.nullable(),
  hash: z.string().nullable(),
  paused: bool,
  lastInstant: z.number().nullable(),
  lastRunId: z.string().nullable(),
  bufferedInstant: z.number().nullable(),
  bufferedRunId: z.string().nullable(),
  listed: bool,
  nextAt: z.number().nullable(),
  createdAt: z.number().nullable(),
  updatedAt: z.number().nullable(),
});

export interface ScheduleState {
  spec: ScheduleSpec;
  source: ScheduleSource;
  hash: string;
  paused: boolean;
  /** The newest instant handled (fired, skipped, buffered or missed); instants up to it are never looked at again. */
  lastInstant: number;
  /** The run this schedule started last: the "previous run" of the overlap policy. */
  lastRunId: string | null;
  /** buffer_one: the instant waiting for the live run to end. */
  bufferedInstant: number | null;
  /** The id the buffered start will take (an instant's, or a manual trigger's). */
  bufferedRunId: string | null;
  /** Whether the schedules' directory confirmed it lists this schedule. */
  listed: boolean;
  nextAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export const FireRecord = z.object({
  seq: z.number().int(),
  instant: z.number(),
  manual: bool,
  runId: z.string().nullable(),
  outcome: FireOutcome,
  action: FireAction.nullable(),
  previousRunId: z.string().nullable(),
  error: z.string().nullable(),
  at: z.number(),
});
export type FireRecord = z.infer<typeof FireRecord>;

const FIRE_COLUMNS = "seq, instant, manual, run_id AS runId, outcome, action, previous_run_id AS previousRunId, error, at";

export class ScheduleStore {
  readonly #sql: Sql;

  constructor(storage: DurableObjectStorage) {
    this.#sql = new Sql(storage);
  }

  migrate(): void {
    migrate(this.#sql, SCHEDULE_MIGRATIONS);
  }

  transaction<T>(fn: () => T): T {
    return this.#sql.transaction(fn);
  }

  /** The schedule, or undefined when this object holds none (never created, or deleted). */
  state(): ScheduleState | undefined {
    const r = Row.parse(
      this.#sql.first(`SELECT name, spec, source, hash, paused, last_instant AS lastInstant, last_run_id AS lastRunId,
        buffered_instant AS bufferedInstant, buffered_run_id AS bufferedRunId, listed, next_at AS nextAt, created_at AS createdAt, updated_at AS updatedAt FROM schedule WHERE id = 1`),
    );
    if (r.spec === null) return undefined;
    return {
      spec: jsonColumn(StoredSpec, r.spec, "schedule.spec"),
      source: r.source ?? "api",
      hash: r.hash ?? "",
      paused: r.paused,
      lastInstant: r.lastInstant ?? 0,
      lastRunId: r.lastRunId,
      bufferedInstant: r.bufferedInstant,
      bufferedRunId: r.bufferedRunId,
      listed: r.listed,
      nextAt: r.nextAt,
      createdAt: r.createdAt ?? 0,
      updatedAt: r.updatedAt ?? 0,
    };
  }

  /** A new schedule: instants before `now` are not due. */
  create(s: { spec: ScheduleSpec; source: ScheduleSource; hash: string; now: number }): void {
    this.#sql.exec(
      `UPDATE schedule SET name = ?, spec = ?, source = ?, hash = ?, paused = 0, last_instant = ?, last_run_id = NULL, buffered_instant = NULL,
        buffered_run_id = NULL, listed = 0, next_at = NULL, created_at = ?, updated_at = ? WHERE id = 1`,
      s.spec.name,
      JSON.stringify(s.spec),
      s.source,
      s.hash,
      s.now,
      s.now,
      s.now,
    );
  }

  /** A changed definition: its fires and pause stay; its instants count from now (the old cron's past is not the new one's). */
  updateSpec(s: { spec: ScheduleSpec; source: ScheduleSource; hash: string; now: number }): void {
    this.#sql.exec(
      "UPDATE schedule SET spec = ?, source = ?, hash = ?, updated_at = ?, last_instant = MAX(COALESCE(last_instant, 0), ?) WHERE id = 1",
      JSON.stringify(s.spec),
      s.source,
      s.hash,
      s.now,
      s.now,
    );
  }

  setPaused(paused: boolean, now: number): void {
    // Resuming starts from now: the instants that passed while paused are not due.
    this.#sql.exec(
      `UPDATE schedule SET paused = ?, updated_at = ?, last_instant = CASE WHEN ? = 0 THEN MAX(COALESCE(last_instant, 0), ?) ELSE last_instant END WHERE id = 1`,
      paused ? 1 : 0,
      now,
      paused ? 1 : 0,
      now,
    );
  }

  setLastInstant(instant: number): void {
    this.#sql.exec("UPDATE schedule SET last_instant = MAX(COALESCE(last_instant, 0), ?) WHERE id = 1", instant);
  }

  setLastRunId(runId: string): void {
    this.#sql.exec("UPDATE schedule SET last_run_id = ? WHERE id = 1", runId);
  }

  setBuffered(b: { instant: number; runId: string } | null): void {
    this.#sql.exec("UPDATE schedule SET buffered_instant = ?, buffered_run_id = ? WHERE id = 1", b?.instant ?? null, b?.runId ?? null);
  }

  setListed(listed: boolean): void {
    this.#sql.exec("UPDATE schedule SET listed = ? WHERE id = 1", listed ? 1 : 0);
  }

  setNextAt(at: number | null): void {
    this.#sql.exec("UPDATE schedule SET next_at = ? WHERE id = 1", at);
  }

  /** Forgets the schedule and its fires (the runs it started are theirs to keep). */
  clear(): void {
    this.#sql.exec(`UPDATE schedule SET name = NULL, spec = NULL, source = NULL, hash = NULL, paused = 0, last_instant = NULL, last_run_id = NULL,
      buffered_instant = NULL, buffered_run_id = NULL, listed = 0, next_at = NULL, created_at = NULL, updated_at = NULL WHERE id = 1`);
    this.#sql.exec("DELETE FROM fires");
  }

  // -- fires -----------------------------------------------------------------------------------

  addFire(f: Omit<FireRecord, "seq">): number {
    const row = this.#sql.first(
      "INSERT INTO fires (instant, manual, run_id, outcome, action, previous_run_id, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
      f.instant,
      f.manual ? 1 : 0,
      f.runId,
      f.outcome,
      f.action,
      f.previousRunId,
      f.error,
      f.at,
    );
    // Trim, but never a row that still owes its calls.
    this.#sql.exec("DELETE FROM fires WHERE action IS NULL AND seq <= (SELECT MAX(seq) FROM fires) - ?", RECENT_FIRES);
    return Number(row?.seq);
  }

  /** The fire of a scheduled instant (not a manual trigger), if one was recorded. */
  fireAt(instant: number): FireRecord | undefined {
    const row = this.#sql.first(`SELECT ${FIRE_COLUMNS} FROM fires WHERE instant = ? AND manual = 0 ORDER BY seq DESC LIMIT 1`, instant);
    return row === undefined ? undefined : FireRecord.parse(row);
  }

  /** Marks a fire's calls done, with its final outcome and run. */
  settle(seq: number, s: { outcome: FireOutcome; runId: string | null; action?: FireAction | null; error?: string | null }): void {
    this.#sql.exec("UPDATE fires SET outcome = ?, run_id = ?, action = ?, error = ? WHERE seq = ?", s.outcome, s.runId, s.action ?? null, s.error ?? null, seq);
  }

  /** Fires whose calls are still owed, oldest first. */
  owed(): FireRecord[] {
    return this.#sql.all(`SELECT ${FIRE_COLUMNS} FROM fires WHERE action IS NOT NULL ORDER BY seq`).map((r) => FireRecord.parse(r));
  }

  /** Newest first. */
  fires(limit = RECENT_FIRES): FireRecord[] {
    return this.#sql.all(`SELECT ${FIRE_COLUMNS} FROM fires ORDER BY seq DESC LIMIT ?`, limit).map((r) => FireRecord.parse(r));
  }

  // -- the directory (SCHEDULE_DIRECTORY's instance only) ----------------------------------------

  directoryPut(name: string, source: ScheduleSource, now: number): void {
    this.#sql.exec(
      "INSERT INTO directory (name, source, listed_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET source = excluded.source",
      name,
      source,
      now,
    );
  }

  directoryRemove(name: string): void {
    this.#sql.exec("DELETE FROM directory WHERE name = ?", name);
  }

  /** In name order. */
  directoryList(): { name: string; source: ScheduleSource }[] {
    return this.#sql.all("SELECT name, source FROM directory ORDER BY name").map((r) => ({ name: String(r.name), source: ScheduleSource.parse(r.source) }));
  }
}
