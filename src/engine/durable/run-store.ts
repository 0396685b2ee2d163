// Every SQL statement of the run object, behind typed methods. Rows read back are parsed, not cast.
// Callers group writes with `transaction` so each step transition is one storage transaction.
import { z } from "zod";
import { migrate, probeSchema, Sql, type IssueDetail, type SchemaProbe, type SqlRow, type SqlValue } from "../../kernel/index.ts";
import { parseJournalRow, StepRecord, TimerKind, type JournalEntry, type NewStep, type StepPatch, type StepStatus } from "../core/journal.ts";
import type { StepWrite } from "../core/step-machine.ts";
import { LazyTables } from "./lazy-tables.ts";
import { CREATED_LATER, MIGRATIONS } from "./schema.ts";
import { UsageStore } from "./usage-store.ts";

export const RunStatus = z.enum(["running", "completed", "failed", "canceled"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunRecord = z.object({
  runId: z.string(),
  workflow: z.string(),
  args: z.string().nullable(),
  status: RunStatus,
  result: z.string().nullable(),
  error: z.string().nullable(),
  parent: z.string().nullable(),
  onComplete: z.enum(["none", "pending", "done"]),
  /** The caller's onComplete, JSON `{ name, context }` (see OnCompleteRef), or null. */
  onCompleteRef: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  completedAt: z.number().nullable(),
  /** The workflow version the run executes on. */
  version: z.number().int(),
  pausedAt: z.number().nullable(),
  restartOf: z.string().nullable(),
  restartFrom: z.number().nullable(),
  restartedAs: z.string().nullable(),
  /** JSON `RestartPending` while a restart's handoff to its new run is owed. */
  restartPending: z.string().nullable(),
  /** The run's own retention, when it asked for one. */
  retentionMs: z.number().nullable(),
  /** When the finished run's storage goes (retention); null until it owes nothing more. */
  expiresAt: z.number().nullable(),
  /** The line the run waits in, JSON `FlowLine` (flow.ts); null for a workflow without one. */
  flow: z.string().nullable(),
  /** Where the run stands in its line (see FlowState); null without one. */
  flowState: z.enum(["enqueue", "queued", "admitted", "leave", "done"]).nullable(),
  /** When the run began to wait in its line; null once admitted. */
  queuedAt: z.number().nullable(),
  /** The run index shard its entry is pushed to (see index-shards.ts). */
  indexShard: z.number().int(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** What a new run row holds (its start time aside). */
export interface NewRun {
  runId: string;
  workflow: string;
  version?: number;
  args: string | null;
  parent: string | null;
  onCompleteRef?: string | null;
  retentionMs?: number | null;
  /** Set for a run that restarts another: which one, and from which step. */
  restartOf?: { runId: string; fromStep: number };
  /** The line the run waits in before its handler starts (JSON FlowLine). */
  flow?: string;
  /** The run index shard that will hold its entry (indexShardFor). */
  indexShard: number;
}

/** A restart the run owes its new run: the new run's id, where it executes from, and on which version. */
export const RestartPending = z.object({ runId: z.string(), fromStep: z.number().int(), version: z.number().int() });
export type RestartPending = z.infer<typeof RestartPending>;

export const PatchRecord = z.object({ changeId: z.string(), value: z.boolean(), seq: z.number().int(), at: z.number() });
export type PatchRecord = z.infer<typeof PatchRecord>;

/** A signal as a history exports it: `payload` null when the sender omitted it; `takenBy` the wait that took (or refused) it. */
export const SignalRecord = z.object({
  name: z.string(),
  payload: z.string().nullable(),
  receivedAt: z.number(),
  takenBy: z.number().int().nullable(),
  refused: z.boolean(),
});
export type SignalRecord = z.infer<typeof SignalRecord>;

export const TimerRecord = z.object({ id: z.number(), at: z.number(), kind: TimerKind, seq: z.number() });
export type TimerRecord = z.infer<typeof TimerRecord>;

export const RunEvent = z.object({ seq: z.number(), type: z.string(), data: z.record(z.string(), z.unknown()), at: z.number() });
export type RunEvent = z.infer<typeof RunEvent>;

/** A journal row as the timeline reads it (see `timelineRows`). */
export const TimelineRow = StepRecord.pick({
  seq: true,
  name: true,
  kind: true,
  status: true,
  attempts: true,
  error: true,
  startedAt: true,
  completedAt: true,
  wakeAt: true,
  detail: true,
}).extend({
  /** A `threadId` the step's result or args name (agent steps and thread mutations do): the run's threads. */
  threadId: z.unknown().optional(),
});
export type TimelineRow = z.infer<typeof TimelineRow>;

/** One attempt event of a step (see `attemptEvents`); `error` is its JSON text. */
export const StepEventRow = z.object({
  step: z.number().int(),
  type: z.string(),
  at: z.number(),
  attempt: z.number().int().nullable(),
  until: z.number().nullable(),
  error: z.string().nullable(),
});
export type StepEventRow = z.infer<typeof StepEventRow>;

const STEP_EVENT: Record<StepStatus, string> = {
  running: "step.started",
  retrying: "step.retrying",
  sleeping: "step.sleeping",
  waiting: "step.waiting",
  completed: "step.completed",
  failed: "step.failed",
  canceled: "step.canceled",
  abandoned: "step.abandoned",
};

/** The step kinds that run attempts, and so may report token usage. */
const ATTEMPTED = new Set(["action", "mutation", "run"]);
/** The step events that end an attempt or the step: they carry the step's usage so far, when it has any. */
const USAGE_EVENTS = new Set<StepStatus>(["completed", "failed", "retrying", "canceled"]);

/** A step event as the journal's views take it (see schema migration 10). */
interface StepEvent {
  type: string;
  data: string;
}

/**
 * How many promise turns a step's deferred start waits for the step's end (see RunStore.insertStep). A
 * quick closure ends within about eight; each turn more costs about 0.1-0.2 µs.
 */
const DEFERRED_TURNS = 16;
/** How many promise turns after a write the store still counts it as this turn's (see RunStore.#gateHeld). */
const GATE_TURNS = 32;
/**
 * How many promise turns the first quick step held back for a batch (see RunStore.#batch) waits for more
 * to join it; a quick closure's step takes about eight.
 */
const BATCH_TURNS = 64;
/**
 * At most this many quick steps in one statement. workerd binds at most 100 values to a statement, and
 * a quick step takes 9. 5,000 quick steps in a bare object: 7.6 µs each one statement apiece, 5.2-5.4 µs
 * in statements of 8 or 11.
 */
const BATCH_STEPS = 8;

/** A buffered signal no wait took, as a restart copies it (see untakenSignals). */
const UntakenSignal = z.object({ name: z.string(), payload: z.string().nullable(), receivedAt: z.number() });
/** The buffered signal a wait would take (see pendingSignalFor). */
const PendingSignal = z.object({ id: z.number(), payload: z.string().nullable() });
/** The signal delivered under a once-only key (see signalForKey). */
const KeyedSignal = z.object({ signalId: z.number(), at: z.number(), name: z.string(), payload: z.string().nullable() });

/** The promise each of the store's turns is queued on (see #tick). */
const RESOLVED = Promise.resolve();

/**
 * Step writes of a run object created here that go as plain statements (the row, then each event)
 * before the step views are created: a short run never needs them, and creating them with the schema
 * cost a start of a run that waits about a tenth of its CPU. Past this many, a step is one statement again.
 */
export const PLAIN_STEP_WRITES = 64;

/** Arms a timer, or moves the one of its kind and step (see setTimer). */
export const UPSERT_TIMER = "INSERT INTO timers (at, kind, seq) VALUES (?, ?, ?) ON CONFLICT (kind, seq) DO UPDATE SET at = excluded.at";

/**
 * The statements that write `n` quick steps at once (see RunStore.#batch), a quick step being the
 * commonest write: one whose start and end go together, completed, with no error, deadline or detail,
 * both events with the same data and the end at the completion time. Through step_inserts, its values 9
 * a step (seq, name, kind, attempts, args, result, start, end, event data): what a quick step leaves out
 * or repeats is not bound, as each bound value costs in workerd (5,000 such writes in a bare object took
 * 10.6 µs each with the general statement's 17 values, 8.2 µs with these 9). Or, before the step views
 * exist, as two plain statements, the rows (the first 8 of those a step) and then their events in order
 * (the event data, the start and the end).
 */
const batchStatements: { views: string; steps: string; events: string }[] = [];
export function batchStatementsFor(n: number): { views: string; steps: string; events: string } {
  const rows = (width: number, tuple: (v: (k: number) => string) => string) =>
    Array.from({ length: n }, (_, i) => tuple((k) => `?${i * width + k}`)).join(", ");
  return (batchStatements[n] ??= {
    views:
      `INSERT INTO step_inserts (seq, name, kind, status, attempts, args, result, started_at, completed_at,
        event_type, event_data, end_type, end_data, end_at) VALUES ` +
      rows(
        9,
        (v) =>
          `(${v(1)}, ${v(2)}, ${v(3)}, 'completed', ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}, 'step.started', ${v(9)}, 'step.completed', ${v(9)}, ${v(8)})`,
      ),
    steps:
      "INSERT INTO steps (seq, name, kind, status, attempts, args, result, started_at, completed_at) VALUES " +
      rows(8, (v) => `(${v(1)}, ${v(2)}, ${v(3)}, 'completed', ${v(4)}, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)})`),
    events: "INSERT INTO events (type, data, at) VALUES " + rows(3, (v) => `('step.started', ${v(1)}, ${v(2)}), ('step.completed', ${v(1)}, ${v(3)})`),
  });
}

/**
 * A batch's values (9 a quick step, as the views' statement binds them) as its two plain statements bind
 * them (see batchStatementsFor): the rows' (each step's first 8) and the events' (its event data, start
 * and end).
 */
export function plainBatchValues(values: readonly SqlValue[]): { rows: SqlValue[]; events: SqlValue[] } {
  const rows: SqlValue[] = [];
  const events: SqlValue[] = [];
  for (let i = 0; i < values.length; i += 9) {
    for (let k = 0; k < 8; k++) rows.push(values[i + k]!);
    events.push(values[i + 8]!, values[i + 6]!, values[i + 7]!);
  }
  return { rows, events };
}

/** Whether a step's write is a quick step's (see batchStatementsFor). */
function isQuickStep(s: StepRecord, event: StepEvent, end: StepEvent & { at: number }): boolean {
  return (
    s.status === "completed" &&
    s.error === null &&
    s.wakeAt === null &&
    s.detail === null &&
    s.completedAt === end.at &&
    event.type === "step.started" &&
    end.type === "step.completed" &&
    end.data === event.data
  );
}

/** The columns of step_updates' `given` bits, in bit order (schema migration 10). */
const STEP_UPDATE_COLUMNS = ["attempts", "result", "error", "completed_at", "wake_at", "detail"] as const;

/** The statuses a step does not leave: a step in any other is open (see RunStore.openSteps). */
const SETTLED = new Set<StepStatus>(["completed", "failed", "canceled", "abandoned"]);

/** A step's row after `patch`, as migration 10's step_updates writes it: the status, and the fields given. */
function patched(step: StepRecord, patch: StepPatch): StepRecord {
  const next = { ...step, status: patch.status };
  if (patch.attempts !== undefined) next.attempts = patch.attempts;
  if (patch.result !== undefined) next.result = patch.result;
  if (patch.error !== undefined) next.error = patch.error;
  if (patch.completedAt !== undefined) next.completedAt = patch.completedAt;
  if (patch.wakeAt !== undefined) next.wakeAt = patch.wakeAt;
  if (patch.detail !== undefined) next.detail = patch.detail;
  return next;
}

/** The watchdog is one timer per run; it takes this seq so the (kind, seq) key stays unique. */
export const WATCHDOG_SEQ = -1;

/** A run with more timers than this (parallel sleeps, say) finds its earliest in SQLite's index instead. */
const MIRRORED_TIMERS = 64;

/** The version of the run's index entry (schema migration 11): it grows with every change the entry shows. */
const INDEX_VERSION = "index_version + COALESCE((SELECT MAX(seq) FROM events), 0)";

const STEP_COLUMNS = `seq, name, kind, status, attempts, args, result, error, started_at AS startedAt,
  completed_at AS completedAt, wake_at AS wakeAt, detail`;

/** The run row as RunRecord reads it. */
const RUN_COLUMNS = `run_id AS runId, workflow, args, status, result, error, parent, on_complete AS onComplete, on_complete_ref AS onCompleteRef,
  created_at AS createdAt, updated_at AS updatedAt, completed_at AS completedAt, version, paused_at AS pausedAt,
  restart_of AS restartOf, restart_from AS restartFrom, restarted_as AS restartedAs, restart_pending AS restartPending,
  retention_ms AS retentionMs, expires_at AS expiresAt, flow, flow_state AS flowState, queued_at AS queuedAt, index_shard AS indexShard`;

export class RunStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: Sql;
  /** Token usage: what attempts reported, and the answers of step.usage(). */
  readonly usage: UsageStore;
  /** What a new object is created without, each made at its first use (schema.ts, CREATED_LATER). */
  readonly #lazy: LazyTables;
  /**
   * The steps that have not settled, by seq, as their rows are (or will be, for a deferred start): those
   * this instance journaled, and every other once #openKnown. A status change then needs no read of the
   * row back, for its event; a step missing here (journaled before this instance) is read.
   */
  readonly #open = new Map<number, StepRecord>();
  /**
   * #open holds every unsettled step of the journal: this instance created the object, or read them all
   * (openSteps). What the run waits for, asked at every flush of a run of quick steps and at every status
   * read, then needs no statement. Lost with a rolled-back transaction or a failed write.
   */
  #openKnown = false;
  /** The same storage without the deferred write's hook: what writes that row. */
  readonly #direct: Sql;
  /**
   * A step's start whose row is not written yet (see `insertStep`): the step's end writes it with itself
   * in one statement when it comes first; else the next statement or transaction on this storage writes
   * it before its own, or the deadline does, a few microtasks on. Always within the turn that journaled it.
   */
  #deferred: { step: StepRecord; event: StepEvent } | null = null;
  /**
   * Quick steps (see batchStatementsFor) that ended as a deferred start, held back to go in one statement with the
   * next ones (BATCH_STEPS at most): their values, 9 a step. Like the deferred start, written before any
   * other statement on this storage, or by the deadline a few microtasks on, so always within the turn
   * that journaled them: they commit with the same implicit transaction, and the output gate that the
   * turn's earlier write closed holds back what any later step sends until they are durable.
   */
  #batch: SqlValue[] = [];
  #batchDue = 0;
  /** Whether the batch goes through the step views (else as plain statements: see PLAIN_STEP_WRITES). */
  #batchViews = false;
  /** What the index confirmed, not written yet (see confirmIndexed). */
  #indexConfirmation: { key: string; version: number } | null = null;
  /**
   * A deferred row or batch whose write failed (by the deadline, or ahead of another statement). Steps the
   * handler has gone past are missing from the journal, so nothing more may be written after them: every
   * later statement throws this, and `onLost` is told once (the object restarts, and replays what is durable).
   */
  #lost: unknown = null;
  /** Transactions open here: a step's start inside one is written with it, never deferred. */
  #depth = 0;
  /** The journal's row count once counted (see stepCount); null until then, and after a rollback. */
  #stepCount: number | null = null;
  /** What exists() read of the schema, until migrate() takes it: a new object is not read twice. */
  #probe: SchemaProbe | null = null;
  /** migrate() ran in this instance: the schema is current until deleteEverything. */
  #migrated = false;
  /** Step writes that went as plain statements since this instance created the object (see PLAIN_STEP_WRITES). */
  #plainWrites = 0;
  /**
   * The timers of a run this instance created, by kind and seq, kept in step with every timer write
   * here: where the alarm points next needs no read. Null (read SQLite) in an instance that found the
   * object there, past MIRRORED_TIMERS timers, and after a rolled-back transaction.
   */
  #timers: Map<string, { kind: TimerKind; seq: number; at: number }> | null = null;
  /**
   * Whether this store wrote in the current turn, so that the object's output gate holds back whatever
   * the object sends (an action's fetch) until that write, and every later one of the turn, is durable.
   * An attempt's start is deferred only then. Set by each write, cleared GATE_TURNS promise turns after
   * the last one: always before the turn ends (its microtasks all run first), so never true in a turn
   * that has not written. Cleared early, it only costs a deferral.
   */
  #gateHeld = false;
  /** Promise turns counted by #tick while it runs; when the deferred start is due, and when #gateHeld lapses. */
  #turn = 0;
  #deferredDue = 0;
  #gateUntil = 0;
  #ticking = false;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = new Sql(storage, { before: () => this.#beforeStatement() });
    this.#direct = new Sql(storage);
    this.#lazy = new LazyTables(this.#sql);
    this.usage = new UsageStore(this.#sql, this.#lazy);
  }

  /** Whether a run was ever inserted here (the schema exists). Creates nothing. */
  exists(): boolean {
    this.#probe = probeSchema(this.#sql);
    return this.#probe.migrated;
  }

  /** Brings the schema up to date, once per instance. Of an object it creates, the store knows what is empty and every timer. */
  migrate(): void {
    if (this.#migrated) return;
    const created = migrate(this.#sql, MIGRATIONS, this.#probe ?? undefined, CREATED_LATER);
    this.#probe = null;
    this.#migrated = true;
    if (created) {
      this.#stepCount = 0;
      this.#openKnown = true;
      this.#timers = new Map();
      this.usage.created();
      this.#lazy.created();
      this.#plainWrites = 0;
    }
  }

  transaction<T>(fn: () => T): T {
    this.#beforeStatement();
    this.#depth++;
    try {
      return this.#storage.transactionSync(fn);
    } catch (err) {
      // Rolled back: what the open steps, the count, the timers and the tables learned inside may not have happened.
      this.#forgetOpen();
      this.#lazy.forget();
      this.#stepCount = null;
      this.#timers = null;
      throw err;
    } finally {
      this.#depth--;
    }
  }

  #beforeStatement(): void {
    if (this.#lost !== null) throw this.#lost;
    if (this.#batch.length > 0) this.#flushBatch();
    const deferred = this.#deferred;
    if (deferred === null) return;
    this.#deferred = null;
    try {
      this.#writeStep(this.#direct, deferred.step, deferred.event, null);
    } catch (err) {
      this.#lose(err);
      throw err;
    }
  }

  /** A held write failed: see #lost. */
  #lose(err: unknown): void {
    if (this.#lost !== null) return;
    this.#lost = err;
    this.#batch = [];
    this.#deferred = null;
    this.onLost?.(err);
  }

  /** What #open holds may not be the journal's: it is read again when next asked. */
  #forgetOpen(): void {
    this.#open.clear();
    this.#openKnown = false;
  }

  // -- run row ---------------------------------------------------------------------------------

  getRun(): RunRecord | undefined {
    const row = this.#all(`SELECT ${RUN_COLUMNS} FROM run WHERE id = 1`)[0];
    return row === undefined ? undefined : RunRecord.parse(row);
  }

  /** Inserts the run row, with its run.started event; the row as stored. */
  insertRun(r: NewRun & { now: number }): RunRecord {
    const row = this.#all(
      `INSERT INTO run (id, run_id, workflow, version, args, status, parent, on_complete_ref, retention_ms, restart_of, restart_from, created_at, updated_at,
        flow, flow_state, queued_at, index_shard)
       VALUES (1, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${RUN_COLUMNS}`,
      r.runId,
      r.workflow,
      r.version ?? 1,
      r.args,
      r.parent,
      r.onCompleteRef ?? null,
      r.retentionMs ?? null,
      r.restartOf?.runId ?? null,
      r.restartOf?.fromStep ?? null,
      r.now,
      r.now,
      r.flow ?? null,
      r.flow === undefined ? null : "enqueue",
      r.flow === undefined ? null : r.now,
      r.indexShard,
    )[0];
    const started: Record<string, unknown> = { runId: r.runId, workflow: r.workflow, version: r.version ?? 1 };
    if (r.restartOf !== undefined) {
      this.appendEvent("run.restarted", { runId: r.runId, restartOf: r.restartOf.runId, fromStep: r.restartOf.fromStep }, r.now);
      started.restartOf = r.restartOf.runId;
    }
    this.appendEvent("run.started", started, r.now);
    return RunRecord.parse(row);
  }

  /** The run's place in its line moved on (see RunRecord.flowState); `event` records it. */
  setFlowState(state: NonNullable<RunRecord["flowState"]>, now: number, event?: { type: string; data: Record<string, unknown> }): void {
    const queued = state === "enqueue" || state === "queued";
    // No event when the pool admits a run at once: the version grows here (see indexState).
    this.#exec(
      "UPDATE run SET flow_state = ?, queued_at = CASE WHEN ? THEN queued_at ELSE NULL END, updated_at = ?, index_version = index_version + 1 WHERE id = 1",
      state,
      queued ? 1 : 0,
      now,
    );
    if (event !== undefined) this.appendEvent(event.type, event.data, now);
  }

  /** A debounced run starts with the last args of its burst. */
  replaceArgs(args: string): void {
    this.#exec("UPDATE run SET args = ? WHERE id = 1", args);
  }

  /** Pauses (`at`) or resumes (null) the run, with its event. */
  setPaused(at: number | null, now: number): void {
    this.#exec("UPDATE run SET paused_at = ?, updated_at = ? WHERE id = 1", at, now);
    this.appendEvent(at === null ? "run.resumed" : "run.paused", {}, now);
  }

  /** A restart is owed to its new run (or, with null, no longer). */
  setRestartPending(pending: RestartPending | null, now: number): void {
    this.#exec("UPDATE run SET restart_pending = ?, updated_at = ? WHERE id = 1", pending === null ? null : JSON.stringify(pending), now);
  }

  /** The new run confirmed the restart: the link is recorded, with its event. */
  markRestarted(pending: RestartPending, now: number): void {
    this.#exec("UPDATE run SET restarted_as = ?, restart_pending = NULL, updated_at = ? WHERE id = 1", pending.runId, now);
    this.appendEvent("run.restarted", { restartedAs: pending.runId, fromStep: pending.fromStep, version: pending.version }, now);
  }

  /** When the finished run's storage is deleted (null: not scheduled); the run row as it now is. */
  setExpiry(at: number | null): RunRecord {
    const row = this.#all(`UPDATE run SET expires_at = ? WHERE id = 1 RETURNING ${RUN_COLUMNS}`, at)[0];
    if (at === null) this.deleteTimer("retention", WATCHDOG_SEQ);
    else this.setTimer("retention", WATCHDOG_SEQ, at);
    return RunRecord.parse(row);
  }

  /** Deletes everything the object stores (the end of retention); the caller deletes the alarm too. */
  async deleteEverything(): Promise<void> {
    this.#beforeStatement();
    this.#forgetOpen();
    this.#stepCount = null;
    this.#probe = null;
    this.#migrated = false;
    this.#lazy.forget();
    this.#timers = null;
    await this.#storage.deleteAlarm();
    await this.#storage.deleteAll();
  }

  finishRun(r: { status: Exclude<RunStatus, "running">; result: string | null; error: string | null; onComplete: "pending" | "done"; now: number }): void {
    this.#exec(
      "UPDATE run SET status = ?, result = ?, error = ?, on_complete = ?, updated_at = ?, completed_at = ? WHERE id = 1",
      r.status,
      r.result,
      r.error,
      r.onComplete,
      r.now,
      r.now,
    );
    const data: Record<string, unknown> = { status: r.status };
    if (r.error !== null) data.error = JSON.parse(r.error);
    data.usage = this.usage.total();
    this.appendEvent("run.finished", data, r.now);
  }

  /**
   * The run-index outbox's state (schema migration 11): the version the run's entry has now (it grows
   * with every change the entry shows), and the entry key the index last confirmed, with the version it
   * was confirmed for (null when unknown). A confirmation not written yet counts.
   */
  indexState(): { version: number; indexedStatus: string | null; indexedVersion: number | null } {
    const row = this.#all(`SELECT ${INDEX_VERSION} AS version, indexed_status AS indexedStatus, indexed_version AS indexedVersion FROM run WHERE id = 1`)[0];
    const stored = z
      .object({ version: z.number(), indexedStatus: z.string().nullable(), indexedVersion: z.number().nullable() })
      .parse(row ?? { version: 0, indexedStatus: null, indexedVersion: null });
    const unwritten = this.#indexConfirmation;
    if (unwritten === null || (stored.indexedVersion !== null && stored.indexedVersion >= unwritten.version)) return stored;
    return { version: stored.version, indexedStatus: unwritten.key, indexedVersion: unwritten.version };
  }

  /** The version the run's entry has now: index_version plus the last event's seq (see indexState). */
  indexVersion(): number {
    return z.number().parse(this.#all(`SELECT ${INDEX_VERSION} AS v FROM run WHERE id = 1`)[0]?.v);
  }

  /** A change the index shows that appends no event: the entry's version must grow all the same. */
  bumpIndexVersion(by = 1): void {
    this.#exec("UPDATE run SET index_version = index_version + ? WHERE id = 1", by);
  }

  /**
   * The index confirmed the entry `key` pushed with `version`. Kept, and written with the store's next
   * write (in the same implicit transaction, so it costs no commit of its own): until then a reload does
   * not know of it, and pushes the entry once more, which the index takes as a repeat.
   */
  confirmIndexed(key: string, version: number): void {
    const kept = this.#indexConfirmation;
    if (kept === null || version > kept.version) this.#indexConfirmation = { key, version };
  }

  #writeIndexConfirmation(): void {
    const c = this.#indexConfirmation;
    if (c === null) return;
    this.#indexConfirmation = null;
    this.#direct.exec("UPDATE run SET indexed_status = ?, indexed_version = ? WHERE id = 1 AND COALESCE(indexed_version, -1) < ?", c.key, c.version, c.version);
  }

  /** The parent was told and onComplete ran; the run row as it now is. */
  markOnCompleteDone(now: number): RunRecord {
    return RunRecord.parse(this.#all(`UPDATE run SET on_complete = 'done', updated_at = ? WHERE id = 1 RETURNING ${RUN_COLUMNS}`, now)[0]);
  }

  // -- journal ---------------------------------------------------------------------------------

  /** Applies a transition's writes (see core/step-machine.ts), in one transaction when there are several. */
  apply(writes: readonly StepWrite[]): void {
    if (writes.length === 0) return;
    if (writes.length === 1) {
      this.write(writes[0]!);
      return;
    }
    this.transaction(() => {
      for (const w of writes) this.write(w);
    });
  }

  /** Applies one write; inside a caller's transaction when it belongs with other changes. */
  write(w: StepWrite): void {
    switch (w.op) {
      case "insertStep":
        this.insertStep(w.step);
        break;
      case "updateStep":
        this.updateStep(w.seq, w.patch, w.at, w.event === false ? { event: false } : {});
        break;
      case "setTimer":
        this.setTimer(w.kind, w.seq, w.at);
        break;
      case "deleteTimer":
        this.deleteTimer(w.kind, w.seq);
        break;
      case "deleteStepTimers":
        this.deleteStepTimers(w.seq);
        break;
      case "consumeSignal":
        this.consumeSignal(w.signalId, w.seq);
        break;
      case "refuseSignal":
        this.refuseSignal(w.signalId, w.seq, w.issues, w.at);
        break;
      case "recordUsage":
        this.usage.record(w.seq, w.attempt, w.entries);
        break;
    }
  }

  /**
   * Journals a new step, and its event in the same statement. The start of an attempt (a step journaled
   * running, alone in its transition) is deferred when this turn has written already: a step that ends
   * within the turn (a quick closure, as most are) is then journaled by one statement that holds its row
   * as it ended and both its events. Nothing else changes: the row is written within the turn, before any
   * other statement reads or writes, so it commits with the same implicit transaction it would have, every
   * reader sees it, and the output gate that the turn's earlier write closed holds back anything the
   * attempt sends until the row is durable, as it would have. Such quick steps go up to BATCH_STEPS to a
   * statement, on the same terms (see #batch).
   */
  insertStep(s: NewStep): void {
    const event = this.#stepEvent(s.status, { seq: s.seq, name: s.name, kind: s.kind, attempt: s.attempts }, s.error ?? null, s.wakeAt ?? null);
    const step: StepRecord = {
      seq: s.seq,
      name: s.name,
      kind: s.kind,
      status: s.status,
      attempts: s.attempts,
      args: s.args,
      result: s.result ?? null,
      error: s.error ?? null,
      startedAt: s.now,
      completedAt: s.completedAt ?? null,
      wakeAt: s.wakeAt ?? null,
      detail: s.detail ?? null,
    };
    if (s.status !== "running" || this.#depth > 0 || !this.#gateHeld) {
      this.#writeStep(this.#sql, step, event, null);
      return;
    }
    // Only a start deferred before this one (and the batch before it) must be written first.
    if (this.#deferred !== null || this.#lost !== null) this.#beforeStatement();
    this.#open.set(step.seq, step);
    this.#deferred = { step, event };
    this.#deferredDue = this.#turn + DEFERRED_TURNS;
    this.#startTicking();
  }

  /** A write of this turn: see #gateHeld. */
  #wrote(): void {
    if (this.#indexConfirmation !== null) this.#writeIndexConfirmation();
    this.#gateHeld = true;
    this.#gateUntil = this.#turn + GATE_TURNS;
    this.#startTicking();
  }

  // Promise turns, not queueMicrotask: in workerd each queueMicrotask call costs about 1.7 µs, a turn of
  // an already resolved promise about 0.1-0.2 µs (measured in wrangler dev).
  #startTicking(): void {
    if (this.#ticking) return;
    this.#ticking = true;
    void RESOLVED.then(this.#tick);
  }

  /**
   * One promise turn: writes the batch and the deferred start when due, lets #gateHeld lapse, and stops
   * when nothing waits. The next turn is queued, not returned: a promise returned from a reaction costs
   * two more jobs (one to adopt it, one to settle the turn before it) and holds every earlier turn's
   * promise until the counting stops.
   */
  readonly #tick = (): void => {
    this.#turn++;
    if ((this.#deferred !== null && this.#turn >= this.#deferredDue) || (this.#batch.length > 0 && this.#turn >= this.#batchDue)) {
      try {
        this.#beforeStatement();
      } catch {
        // Lost (see #lost): the next statement throws it.
      }
    }
    if (this.#gateHeld && this.#turn >= this.#gateUntil) this.#gateHeld = false;
    if (this.#deferred === null && this.#batch.length === 0 && !this.#gateHeld) {
      this.#ticking = false;
      return;
    }
    void RESOLVED.then(this.#tick);
  };

  /**
   * A step's row, through migration 10's step_inserts: with the event of its start (at its start time),
   * and with the event of its end when start and end are journaled together. Before the views exist
   * (see PLAIN_STEP_WRITES), the same rows in the same order as plain statements: the row first, which
   * is the one that can be refused (its seq taken), then the events. A write that fails forgets the open
   * steps: a deferred start was kept among them before its row was written.
   */
  #writeStep(sql: Sql, s: StepRecord, event: StepEvent | null, end: (StepEvent & { at: number }) | null): void {
    try {
      // A quick step never comes here: its end holds it for a batch (see updateStep).
      const row = [s.seq, s.name, s.kind, s.status, s.attempts, s.args, s.result, s.error, s.startedAt, s.completedAt, s.wakeAt, s.detail];
      if (this.#viaViews()) {
        sql.exec(
          `INSERT INTO step_inserts (seq, name, kind, status, attempts, args, result, error, started_at, completed_at, wake_at, detail,
             event_type, event_data, end_type, end_data, end_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...row,
          event?.type ?? null,
          event?.data ?? null,
          end?.type ?? null,
          end?.data ?? null,
          end?.at ?? null,
        );
      } else {
        sql.exec(
          `INSERT INTO steps (seq, name, kind, status, attempts, args, result, error, started_at, completed_at, wake_at, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...row,
        );
        if (event !== null) sql.exec("INSERT INTO events (type, data, at) VALUES (?, ?, ?)", event.type, event.data, s.startedAt);
        if (end !== null) sql.exec("INSERT INTO events (type, data, at) VALUES (?, ?, ?)", end.type, end.data, end.at);
      }
    } catch (err) {
      this.#forgetOpen();
      throw err;
    }
    if (SETTLED.has(s.status)) this.#open.delete(s.seq);
    else this.#open.set(s.seq, { ...s });
    this.#wrote();
    if (this.#stepCount !== null) this.#stepCount++;
    if (event !== null || end !== null) this.onChange?.();
  }

  /**
   * A quick step whose start was deferred, held back for the batch (see #batch): the store counts it as
   * written. Its turn has written already (its start was deferred), and holding it keeps the turn's
   * writes counted as such, so the next start is deferred too.
   */
  #hold(s: StepRecord, data: string): void {
    const batch = this.#batch;
    if (batch.length === 0) {
      // Nothing is held and no start deferred: the views, when due, are made here, before the batch.
      this.#batchViews = this.#viaViews();
      this.#batchDue = this.#turn + BATCH_TURNS;
    } else if (!this.#batchViews) {
      this.#plainWrites++;
    }
    batch.push(s.seq, s.name, s.kind, s.attempts, s.args, s.result, s.startedAt, s.completedAt, data);
    this.#open.delete(s.seq);
    if (this.#stepCount !== null) this.#stepCount++;
    this.#gateHeld = true;
    this.#gateUntil = this.#turn + GATE_TURNS;
    if (batch.length >= BATCH_STEPS * 9) this.#flushBatch();
    else this.#startTicking();
  }

  /** Writes the held quick steps in one statement (two before the step views exist); one that fails is lost (see #lost). */
  #flushBatch(): void {
    const values = this.#batch;
    this.#batch = [];
    try {
      const statements = batchStatementsFor(values.length / 9);
      if (this.#batchViews) this.#direct.exec(statements.views, ...values);
      else {
        const { rows, events } = plainBatchValues(values);
        this.#direct.exec(statements.steps, ...rows);
        this.#direct.exec(statements.events, ...events);
      }
    } catch (err) {
      this.#forgetOpen();
      this.#lose(err);
      throw err;
    }
    this.#wrote();
    this.onChange?.();
  }

  /**
   * Whether a step write goes through the step views (one statement), making them when they are due: in
   * an object this instance created without them, after PLAIN_STEP_WRITES plain ones; in any other, at
   * once (they exist unless it was created without them).
   */
  #viaViews(): boolean {
    if (this.#lazy.absent("step_views") && ++this.#plainWrites <= PLAIN_STEP_WRITES) return false;
    this.#lazy.ensure("step_views");
    return true;
  }

  /**
   * Moves a step to a new status (only the given fields change), with its event (at `at`) in the same
   * statement (before the step views exist, two); `event: false` for a bookkeeping change clients need not see.
   */
  updateStep(seq: number, patch: StepPatch, at: number, opts: { event?: boolean } = {}): void {
    const deferred = this.#deferred;
    if (deferred !== null && deferred.step.seq === seq && this.#lost === null) {
      // The step's start is not written yet: its row goes in as it is now, with both events.
      this.#deferred = null;
      const step = patched(deferred.step, patch);
      const end =
        opts.event === false
          ? null
          : { ...this.#stepEvent(patch.status, { seq, name: step.name, kind: step.kind, attempt: step.attempts }, patch.error ?? null, step.wakeAt), at };
      if (end !== null && isQuickStep(step, deferred.event, end)) {
        this.#hold(step, deferred.event.data);
        return;
      }
      if (this.#batch.length > 0) this.#flushBatch();
      this.#writeStep(this.#direct, step, deferred.event, end);
      return;
    }
    const before = this.#open.get(seq) ?? this.getStep(seq);
    if (before === undefined) return;
    const open = patched(before, patch);
    const event =
      opts.event === false
        ? null
        : this.#stepEvent(patch.status, { seq, name: open.name, kind: open.kind, attempt: open.attempts }, patch.error ?? null, open.wakeAt);
    // Which fields the patch gives, as step_updates' `given` bits (schema migration 10).
    const fields = [patch.attempts, patch.result, patch.error, patch.completedAt, patch.wakeAt, patch.detail];
    let given = 0;
    for (let i = 0; i < fields.length; i++) if (fields[i] !== undefined) given |= 1 << i;
    if (this.#viaViews()) {
      this.#exec(
        `INSERT INTO step_updates (seq, status, attempts, result, error, completed_at, wake_at, detail, given, event_type, event_data, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        seq,
        patch.status,
        ...fields.map((f) => f ?? null),
        given,
        event?.type ?? null,
        event?.data ?? null,
        at,
      );
    } else {
      // What step_updates_write does: the given fields, then the event if the step exists.
      let sets = "status = ?";
      const values: SqlValue[] = [patch.status];
      for (let i = 0; i < fields.length; i++) {
        if (fields[i] === undefined) continue;
        sets += `, ${STEP_UPDATE_COLUMNS[i]} = ?`;
        values.push(fields[i] ?? null);
      }
      this.#exec(`UPDATE steps SET ${sets} WHERE seq = ?`, ...values, seq);
      if (event !== null) {
        this.#exec("INSERT INTO events (type, data, at) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM steps WHERE seq = ?)", event.type, event.data, at, seq);
      }
    }
    if (SETTLED.has(patch.status)) this.#open.delete(seq);
    else this.#open.set(seq, open);
    // A bookkeeping change may still change what the index shows (a wait's label): its version grows.
    if (event === null) this.bumpIndexVersion();
    else this.onChange?.();
  }

  // -- what a restart copies -----------------------------------------------------------------

  /** The journal rows before `seq`, every column, for a restarted run to keep. */
  stepsBefore(seq: number): StepRecord[] {
    return this.#all(`SELECT ${STEP_COLUMNS} FROM steps WHERE seq < ? ORDER BY seq`, seq).map((r) => StepRecord.parse(r));
  }

  /** Copies a kept row into a restarted run's journal as it was (no event: it happened in the earlier run). */
  copyStep(s: StepRecord): void {
    this.#writeStep(this.#sql, s, null, null);
  }

  /** Signals accepted for any wait that no wait took: a restarted run still receives them. */
  untakenSignals(): { name: string; payload: string | null; receivedAt: number }[] {
    const rows = this.#lazy.read("signals", [], () =>
      this.#all("SELECT name, payload, received_at AS receivedAt FROM signals WHERE consumed_seq IS NULL AND target_after IS NULL ORDER BY id"),
    );
    return rows.map((r) => UntakenSignal.parse(r));
  }

  copySignal(s: { name: string; payload: string | null; receivedAt: number }): void {
    this.#lazy.ensure("signals");
    this.#exec("INSERT INTO signals (name, payload, received_at) VALUES (?, ?, ?)", s.name, s.payload, s.receivedAt);
  }

  // -- step.patched ------------------------------------------------------------------------------

  getPatch(changeId: string): PatchRecord | undefined {
    const row = this.#lazy.read("patches", [], () => this.#all("SELECT change_id AS changeId, value, seq, at FROM patches WHERE change_id = ?", changeId))[0];
    return row === undefined ? undefined : PatchRecord.parse({ ...row, value: row.value === 1 });
  }

  /** Journals the answer of `step.patched(changeId)`, first asked before step `seq`. */
  insertPatch(p: PatchRecord): void {
    this.#lazy.ensure("patches");
    this.#exec(
      "INSERT INTO patches (change_id, value, seq, at) VALUES (?, ?, ?, ?) ON CONFLICT (change_id) DO NOTHING",
      p.changeId,
      p.value ? 1 : 0,
      p.seq,
      p.at,
    );
  }

  /** The answers journaled before step `seq` (a restart from `seq` keeps them). */
  patchesBefore(seq: number): PatchRecord[] {
    const rows = this.#lazy.read("patches", [], () =>
      this.#all("SELECT change_id AS changeId, value, seq, at FROM patches WHERE seq < ? ORDER BY seq, change_id", seq),
    );
    return rows.map((r) => PatchRecord.parse({ ...r, value: r.value === 1 }));
  }

  /** Every journaled answer of step.patched, in the order they were first asked (a history export). */
  allPatches(): PatchRecord[] {
    const rows = this.#lazy.read("patches", [], () => this.#all("SELECT change_id AS changeId, value, seq, at FROM patches ORDER BY seq, change_id"));
    return rows.map((r) => PatchRecord.parse({ ...r, value: r.value === 1 }));
  }

  // -- events ----------------------------------------------------------------------------------

  /** Appends to the run's event log; written in the same transaction as the change it reports. */
  appendEvent(type: string, data: Record<string, unknown>, now: number): void {
    this.#exec("INSERT INTO events (type, data, at) VALUES (?, ?, ?)", type, JSON.stringify(data), now);
    this.onChange?.();
  }

  /** Called after every event append: the object batches its broadcasts and index updates on it. */
  onChange: (() => void) | undefined;

  /** Called once when a held write failed (see #lost): this instance can write nothing more. */
  onLost: ((err: unknown) => void) | undefined;

  lastEventSeq(): number {
    return Number(this.#all("SELECT MAX(seq) AS s FROM events")[0]?.s ?? 0);
  }

  eventsAfter(afterSeq: number, limit: number): RunEvent[] {
    return this.#all("SELECT seq, type, data, at FROM events WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit).map((r) =>
      RunEvent.parse({ ...r, data: JSON.parse(String(r.data)) }),
    );
  }

  /** A step event's type and JSON data, for the statement that journals the change it reports. */
  #stepEvent(status: StepStatus, step: { seq: number; name: string; kind: string; attempt: number }, error: string | null, wakeAt: number | null): StepEvent {
    const withError = error !== null && (status === "failed" || status === "retrying");
    const withUntil = wakeAt !== null && (status === "sleeping" || status === "retrying" || status === "waiting");
    const usage = USAGE_EVENTS.has(status) && ATTEMPTED.has(step.kind) ? this.usage.step(step.seq) : null;
    if (!withError && !withUntil && usage === null) {
      // Most events, two per step: the text JSON.stringify({ seq, name, kind, attempt }) gives (integers), without the object.
      return {
        type: STEP_EVENT[status],
        data: `{"seq":${step.seq},"name":${JSON.stringify(step.name)},"kind":${JSON.stringify(step.kind)},"attempt":${step.attempt}}`,
      };
    }
    const data: Record<string, unknown> = { seq: step.seq, name: step.name, kind: step.kind, attempt: step.attempt };
    if (withError) data.error = JSON.parse(error);
    if (withUntil) data.until = wakeAt;
    if (usage !== null) data.usage = usage;
    return { type: STEP_EVENT[status], data: JSON.stringify(data) };
  }

  getStep(seq: number): StepRecord | undefined {
    const row = this.#all(`SELECT ${STEP_COLUMNS} FROM steps WHERE seq = ?`, seq)[0];
    return row === undefined ? undefined : StepRecord.parse(row);
  }

  /** The whole journal as replay needs it: raw rows (no per-row objects from the runtime), parsed by hand. */
  replayJournal(): JournalEntry[] {
    // A run this instance created, with no step yet (none deferred either): nothing to read.
    if (this.#stepCount === 0 && this.#deferred === null) return [];
    try {
      const out: JournalEntry[] = [];
      const rows = this.#sql.raw("SELECT seq, name, kind, status, attempts, result, error, detail FROM steps ORDER BY seq");
      for (const row of rows) out.push(parseJournalRow(row));
      return out;
    } catch (err) {
      throw new Error(`reading the journal failed: ${String(err)}`, { cause: err });
    }
  }

  /** The signal-wait steps journaled after `afterSeq`, in order. */
  signalStepsAfter(afterSeq: number): StepRecord[] {
    return this.#all(`SELECT ${STEP_COLUMNS} FROM steps WHERE seq > ? AND kind = 'signal' ORDER BY seq`, afterSeq).map((r) => StepRecord.parse(r));
  }

  /** The whole journal, every column. */
  allSteps(): StepRecord[] {
    return this.#all(`SELECT ${STEP_COLUMNS} FROM steps ORDER BY seq`).map((r) => StepRecord.parse(r));
  }

  stepsPage(afterSeq: number, limit: number): StepRecord[] {
    return this.#all(`SELECT ${STEP_COLUMNS} FROM steps WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit).map((r) => StepRecord.parse(r));
  }

  /**
   * A window of the journal as the timeline draws it: no args or results, and `detail` only where it
   * names a signal or a child. `limit + 1` rows are asked for by the caller to know whether more follow.
   */
  timelineRows(afterSeq: number, limit: number): TimelineRow[] {
    return this.#all(
      `SELECT seq, name, kind, status, attempts, error, started_at AS startedAt, completed_at AS completedAt, wake_at AS wakeAt,
         CASE WHEN kind IN ('signal', 'workflow') THEN detail END AS detail,
         COALESCE(json_extract(result, '$.threadId'), json_extract(args, '$.threadId')) AS threadId
       FROM steps WHERE seq > ? ORDER BY seq LIMIT ?`,
      afterSeq,
      limit,
    ).map((r) => TimelineRow.parse(r));
  }

  /**
   * The attempt events (`step.started`, `step.retrying` and the ends) of the steps `seqs`, in log order.
   * A scan of the event log (nothing indexes an event by its step): the timeline asks only for steps that
   * were retried, once per window; about 5 ms over the 20,000 events of a 10,000-step run. An index on
   * `json_extract(data, '$.seq')` made it 2 ms but costs every event append, and the bench could not show
   * that cost to be nil, so the append path stays as it is.
   */
  attemptEvents(seqs: readonly number[]): StepEventRow[] {
    if (seqs.length === 0) return [];
    return this.#all(
      `SELECT json_extract(data, '$.seq') AS step, type, at, json_extract(data, '$.attempt') AS attempt, json_extract(data, '$.until') AS until,
         json_extract(data, '$.error') AS error FROM events
       WHERE type IN ('step.started', 'step.retrying', 'step.completed', 'step.failed', 'step.canceled', 'step.abandoned')
         AND json_extract(data, '$.seq') IN (SELECT value FROM json_each(?))
       ORDER BY seq`,
      JSON.stringify(seqs),
    ).map((r) => StepEventRow.parse(r));
  }

  /** The steps that have not settled, in order: read once per instance at most (see #openKnown). */
  openSteps(): StepRecord[] {
    if (!this.#openKnown) {
      const open = this.#all(`SELECT ${STEP_COLUMNS} FROM steps WHERE status <> 'completed' ORDER BY seq`)
        .map((r) => StepRecord.parse(r))
        .filter((s) => !SETTLED.has(s.status));
      this.#open.clear();
      for (const s of open) this.#open.set(s.seq, s);
      this.#openKnown = true;
    }
    const out: StepRecord[] = [];
    for (const s of this.#open.values()) out.push({ ...s });
    return out.length < 2 ? out : out.sort((a, b) => a.seq - b.seq);
  }

  /** How many steps the journal holds: counted once per instance, then kept as rows are written (a status read asks on every poll). */
  stepCount(): number {
    this.#beforeStatement();
    this.#stepCount ??= z.number().parse(this.#all("SELECT COUNT(*) AS n FROM steps")[0]?.n);
    return this.#stepCount;
  }

  // -- timers ----------------------------------------------------------------------------------

  /** Arms (or moves) the timer of this kind for this step. */
  setTimer(kind: TimerKind, seq: number, at: number): void {
    this.#exec(UPSERT_TIMER, at, kind, seq);
    this.#timers?.set(`${kind} ${seq}`, { kind, seq, at });
    if (this.#timers !== null && this.#timers.size > MIRRORED_TIMERS) this.#timers = null;
  }

  deleteTimer(kind: TimerKind, seq: number): void {
    this.#exec("DELETE FROM timers WHERE kind = ? AND seq = ?", kind, seq);
    this.#timers?.delete(`${kind} ${seq}`);
  }

  deleteStepTimers(seq: number): void {
    this.#exec("DELETE FROM timers WHERE seq = ?", seq);
    for (const [key, t] of this.#timers ?? []) if (t.seq === seq) this.#timers!.delete(key);
  }

  deleteAllTimers(): void {
    this.#exec("DELETE FROM timers");
    this.#timers?.clear();
  }

  /**
   * Leaves only a watchdog due in `(after, by]`: the one armed if the store knows it is (its timers in
   * memory), else a new one at `by`. A watchdog kept leaves the alarm where it is (locally, every move
   * of an alarm is a write to workerd's own alarm database).
   */
  onlyWatchdog(after: number, by: number): void {
    const armed = this.#timers?.get(`watchdog ${WATCHDOG_SEQ}`);
    if (armed === undefined || armed.at <= after || armed.at > by) {
      this.deleteAllTimers();
      this.setTimer("watchdog", WATCHDOG_SEQ, by);
      return;
    }
    if (this.#timers!.size > 1) {
      this.#exec("DELETE FROM timers WHERE kind <> 'watchdog'");
      this.#timers = new Map([[`watchdog ${WATCHDOG_SEQ}`, armed]]);
    }
  }

  /** Due timers in the order they fell due; `watchdogOnly` while the run is paused (the others wait for the resume). */
  dueTimers(until: number, watchdogOnly = false): TimerRecord[] {
    return this.#all(`SELECT id, at, kind, seq FROM timers WHERE at <= ? ${watchdogOnly ? "AND kind = 'watchdog'" : ""} ORDER BY at, id`, until).map((r) =>
      TimerRecord.parse(r),
    );
  }

  /** Every timer, in the order they fall due. */
  timers(): TimerRecord[] {
    return this.#all("SELECT id, at, kind, seq FROM timers ORDER BY at, id").map((r) => TimerRecord.parse(r));
  }

  earliestTimer(watchdogOnly = false): number | null {
    if (this.#timers !== null) {
      let earliest: number | null = null;
      for (const t of this.#timers.values()) {
        if ((!watchdogOnly || t.kind === "watchdog") && (earliest === null || t.at < earliest)) earliest = t.at;
      }
      return earliest;
    }
    const v = this.#all(`SELECT MIN(at) AS at FROM timers ${watchdogOnly ? "WHERE kind = 'watchdog'" : ""}`)[0]?.at;
    return z
      .number()
      .nullable()
      .parse(v ?? null);
  }

  hasTimersOtherThanWatchdog(): boolean {
    if (this.#timers !== null) return [...this.#timers.values()].some((t) => t.kind !== "watchdog");
    return this.#all("SELECT 1 AS x FROM timers WHERE kind <> 'watchdog' LIMIT 1").length > 0;
  }

  // -- signals ---------------------------------------------------------------------------------

  /**
   * Buffers a signal (`payload` null: the sender omitted it); `targetAfter` makes it the first wait's on
   * `name` journaled after that seq, and no other's.
   */
  insertSignal(name: string, payload: string | null, now: number, targetAfter: number | null = null): number {
    this.#lazy.ensure("signals");
    const id = z
      .number()
      .parse(
        this.#all("INSERT INTO signals (name, payload, received_at, target_after) VALUES (?, ?, ?, ?) RETURNING id", name, payload, now, targetAfter)[0]?.id,
      );
    this.appendEvent("signal.received", { signal: name, signalId: id }, now);
    return id;
  }

  /**
   * The buffered signal the wait at `seq` on `name` takes: one meant for exactly this wait first (its
   * target is the first wait on the name after target_after), else the oldest meant for any wait.
   * `skip`: signals this wait just refused (their refusal is not written yet).
   */
  pendingSignalFor(name: string, seq: number, skip: readonly number[] = []): { id: number; payload: string | null } | undefined {
    const row = this.#lazy.read("signals", [], () =>
      this.#all(
        `SELECT id, payload FROM signals s WHERE name = ? AND consumed_seq IS NULL AND (target_after IS NULL OR (target_after < ?
           AND NOT EXISTS (SELECT 1 FROM steps WHERE kind = 'signal' AND name = s.name AND seq > s.target_after AND seq < ?)))
           AND id NOT IN (SELECT value FROM json_each(?))
         ORDER BY target_after IS NULL, id LIMIT 1`,
        name,
        seq,
        seq,
        JSON.stringify(skip),
      ),
    )[0];
    return row === undefined ? undefined : PendingSignal.parse(row);
  }

  /** The oldest journaled wait on `name` that still waits: where a signal meant for any wait goes. */
  oldestWaitOn(name: string): number | undefined {
    // `status <> 'completed'` lets SQLite use the open-steps index, however long the journal.
    const row = this.#all(
      "SELECT seq FROM steps WHERE status <> 'completed' AND status = 'waiting' AND kind = 'signal' AND name = ? ORDER BY seq LIMIT 1",
      name,
    )[0];
    return row === undefined ? undefined : z.number().parse(row.seq);
  }

  consumeSignal(id: number, seq: number): void {
    this.#exec("UPDATE signals SET consumed_seq = ? WHERE id = ?", seq, id);
  }

  /**
   * Takes a buffered signal off the buffer without delivering it: the wait at `seq` refused its payload.
   * The row keeps why (`refused`), and the run's events say so (`signal.refused`).
   */
  refuseSignal(id: number, seq: number, issues: readonly IssueDetail[], now: number): void {
    const name = this.#all("UPDATE signals SET consumed_seq = ?, refused = ? WHERE id = ? RETURNING name", seq, JSON.stringify({ issues }), id)[0]?.name;
    this.appendEvent("signal.refused", { signal: String(name), signalId: id, seq, issues }, now);
  }

  /** Every signal the run accepted, in the order it arrived: taken, refused or still buffered (a history export). */
  allSignals(): SignalRecord[] {
    const rows = this.#lazy.read("signals", [], () =>
      this.#all("SELECT name, payload, received_at AS receivedAt, consumed_seq AS takenBy, refused IS NOT NULL AS refused FROM signals ORDER BY id"),
    );
    return rows.map((r) => SignalRecord.parse({ ...r, refused: r.refused === 1 }));
  }

  /** The signal already delivered under this once-only key, if any, with its name and payload. */
  signalForKey(key: string): { signalId: number; at: number; name: string; payload: string | null } | undefined {
    const row = this.#lazy.read("signal_keys", [], () =>
      this.#all("SELECT k.signal_id AS signalId, k.at, s.name, s.payload FROM signal_keys k JOIN signals s ON s.id = k.signal_id WHERE k.key = ?", key),
    )[0];
    return row === undefined ? undefined : KeyedSignal.parse(row);
  }

  rememberSignalKey(key: string, signalId: number, now: number): void {
    this.#lazy.ensure("signal_keys");
    this.#exec("INSERT INTO signal_keys (key, signal_id, at) VALUES (?, ?, ?)", key, signalId, now);
  }

  // -- cancels owed to child runs --------------------------------------------------------------

  addChildCancel(c: { runId: string; workflow: string; args: string | null; parentSeq: number }): void {
    this.#lazy.ensure("child_cancels");
    this.#exec(
      "INSERT INTO child_cancels (run_id, workflow, args, parent_seq) VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING",
      c.runId,
      c.workflow,
      c.args,
      c.parentSeq,
    );
  }

  childCancels(): { runId: string; workflow: string; args: string | null; parentSeq: number }[] {
    const rows = this.#lazy.read("child_cancels", [], () =>
      this.#all("SELECT run_id AS runId, workflow, args, parent_seq AS parentSeq FROM child_cancels ORDER BY run_id"),
    );
    return rows.map((r) => z.object({ runId: z.string(), workflow: z.string(), args: z.string().nullable(), parentSeq: z.number() }).parse(r));
  }

  deleteChildCancel(runId: string): void {
    this.#lazy.read("child_cancels", undefined, () => this.#exec("DELETE FROM child_cancels WHERE run_id = ?", runId));
  }

  pendingSignalCount(): number {
    return this.#lazy.read("signals", 0, () => z.number().parse(this.#all("SELECT COUNT(*) AS n FROM signals WHERE consumed_seq IS NULL")[0]?.n));
  }

  // -- helpers ---------------------------------------------------------------------------------

  /** A write (reads go through #all): it counts for #gateHeld. */
  #exec(query: string, ...bindings: SqlValue[]): void {
    this.#sql.exec(query, ...bindings);
    this.#wrote();
  }

  #all(query: string, ...bindings: SqlValue[]): SqlRow[] {
    return this.#sql.all(query, ...bindings);
  }
}
