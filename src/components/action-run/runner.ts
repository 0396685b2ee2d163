// The action run object's behaviour behind its RPC surface: start, describe, cancel, alarm. One run is
// one action executed until it succeeds or its policy gives up, each attempt in a pool slot if it has a
// pool, its outcome handed to onComplete once. Storage holds every transition; memory only the loop.
import { acrossObjects, RetryPolicy, withCalls, type Registry } from "../../engine/index.ts";
import {
  type Clock,
  decodePayload,
  encodePayload,
  fail,
  issueDetailsWithKeys,
  issueSummary,
  jsonColumn,
  NonRetryableError,
  log,
  loggedError,
  type LoggedError,
  ok,
  type RpcResult,
  rpcResult,
  type SerializedError,
  StepwiseError,
  toSerializedError,
  tryEncode,
  unwrap,
} from "../../kernel/index.ts";
import { actionRunNamespace, workpoolNamespace } from "../bindings.ts";
import { Workpool } from "../workpool/workpool.ts";
import { afterFailure, nextAlarm, onWake, type Outbox, outboxAfter, outboxDelivered, owes, publicStatus, TERMINAL, type RunState } from "./core/plan.ts";
import { RUN_DIRECTORY } from "./directory.ts";
import { ActionRunSpec, OnCompleteRef, PublicError, StartRequest, type ActionRunView, type ParsedStartRequest, type StartReply } from "./rpc.ts";
import { ActionRunStore, type RunRow } from "./store.ts";
import { runOutcome, runView } from "./view.ts";

type AttemptOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export class ActionRunner {
  readonly #ctx: DurableObjectState;
  readonly #env: Env;
  readonly #registry: Registry;
  readonly #clock: Clock;
  readonly #store: ActionRunStore;
  readonly #watchdogMs: number;
  #row: RunRow | undefined;
  /** The loop driving the run in this instance: waits for a slot, attempts, onComplete. */
  #driving: Promise<void> | null = null;
  #controller: AbortController | null = null;
  #lease: { release(): Promise<void> } | null = null;
  /** The delivery of what the run owes outside itself (its outbox), while one is in flight. */
  #delivering: Promise<void> | null = null;
  /** The alarm this instance set; `undefined` until it set or cleared one. */
  #alarmAt: number | null | undefined = undefined;

  constructor(opts: { ctx: DurableObjectState; env: Env; registry: Registry; clock: Clock }) {
    const { ctx, env } = opts;
    this.#ctx = ctx;
    this.#env = env;
    this.#registry = opts.registry;
    this.#clock = opts.clock;
    this.#store = new ActionRunStore(ctx.storage);
    this.#watchdogMs = Math.max(100, Number(env.STEPWISE_WATCHDOG_MS) || 30_000);
    void ctx.blockConcurrencyWhile(async () => {
      this.#store.migrate();
      this.#row = this.#store.get();
    });
  }

  // -- RPC -------------------------------------------------------------------------------------

  start(raw: StartRequest): RpcResult<StartReply> {
    const parsed = StartRequest.safeParse(raw);
    if (!parsed.success) return fail("request.invalid", "invalid start request", issueDetailsWithKeys(parsed.error));
    const req = parsed.data;
    if (this.#row !== undefined) {
      const row = this.#row;
      // The id names this run: a start of another action, or with other args, is a conflict, not this run.
      if (row.action !== req.spec.action || row.args !== encodeOrNull(req.spec.args)) {
        return fail(
          "job.id_conflict",
          `the id "${row.runId}" already names a run of "${row.action}"${row.action === req.spec.action ? " with other args" : ""}`,
        );
      }
      this.#ensureDriven();
      const holding = req.lease !== undefined && row.state === "running" && row.holder === req.lease.holderId;
      return ok({ id: row.runId, status: publicStatus(row.state), created: false, holding });
    }
    // A start from a caller (not a pool's dispatch, which checked at enqueue) is refused, never started failed.
    if (req.lease === undefined && req.canceled !== true) {
      const missing = [req.spec.action, req.spec.onComplete?.name].find((name) => name !== undefined && this.#registry.callable(name) === undefined);
      if (missing !== undefined) return fail("action.not_registered", notRegistered(missing));
    }
    const args = tryEncode(req.spec.args, "the action's args");
    if (!args.ok) return args;
    const now = this.#clock.now();
    const first = this.#firstState(req);
    this.#store.transaction(() => {
      this.#store.insert({
        runId: req.id,
        action: req.spec.action,
        args: args.value,
        policy: JSON.stringify(req.spec.retry),
        pool: req.spec.pool === undefined ? null : JSON.stringify(req.spec.pool),
        onCompleteRef: req.spec.onComplete === undefined ? null : JSON.stringify(req.spec.onComplete),
        state: first.state,
        attempts: first.attempts,
        holder: first.holder,
        result: null,
        error: first.error,
        wakeAt: null,
        onComplete: TERMINAL.has(first.state) && req.spec.onComplete !== undefined ? "pending" : "none",
        outbox: outboxAfter("none", first.state, req.spec.pool !== undefined),
        createdAt: now,
        completedAt: TERMINAL.has(first.state) ? now : null,
      });
      if (first.state === "running") this.#store.startAttempt(1, now);
    });
    this.#row = this.#store.get()!;
    if (req.lease !== undefined && first.state === "running") {
      this.#controller = new AbortController();
      this.#lease = this.#pool().adopt(req.lease.holderId, req.lease.heartbeatMs, this.#controller.signal);
    }
    if (first.state === "running" || first.state === "waiting" || this.#row.onComplete === "pending" || owes(this.#row.outbox)) this.#spawnDrive();
    // Listed while it lives; not awaited: the start's reply does not wait for the directory.
    if (!TERMINAL.has(first.state)) void this.#deliver();
    this.#rearm();
    return ok({ id: req.id, status: publicStatus(first.state), created: true, holding: req.lease !== undefined && first.state === "running" });
  }

  describe(): RpcResult<ActionRunView> {
    const row = this.#row;
    if (row === undefined) return fail("job.not_found", "no such run");
    this.#ensureDriven();
    return ok(runView(this.#row ?? row, this.#store.attempts()));
  }

  cancel(): RpcResult<{ status: "canceled" }> {
    const row = this.#row;
    if (row === undefined) return fail("job.not_found", "no such run");
    if (TERMINAL.has(row.state)) return fail("job.already_finished", `the run has already ended (${row.state})`);
    const now = this.#clock.now();
    const reason = new StepwiseError("job.canceled", "the run was canceled");
    this.#store.transaction(() => {
      this.#store.update(
        {
          state: "canceled",
          generation: row.generation + 1,
          completedAt: now,
          wakeAt: null,
          onComplete: row.onCompleteRef === null ? "none" : "pending",
          outbox: this.#outboxAt("canceled"),
        },
        now,
      );
      if (row.state === "running")
        this.#store.endAttempt(row.attempts, { now, error: JSON.stringify({ code: reason.code, message: reason.message }), retryAt: null });
    });
    this.#row = this.#store.get()!;
    // Aborting the attempt's signal also gives back its slot (the lease listens to it).
    this.#controller?.abort(reason);
    if (row.holder !== null && row.pool !== null) this.#leave(row.holder);
    if (this.#driving !== null) void this.#driving.then(() => this.#ensureDriven());
    else this.#ensureDriven();
    this.#rearm();
    return ok({ status: "canceled" });
  }

  /** Resolves once nothing runs in this instance (no attempt, no onComplete): for tests, through the object's symbol-keyed method. */
  async settled(): Promise<RpcResult<ActionRunView["status"]>> {
    if (this.#row === undefined) return fail("job.not_found", "no such run");
    this.#ensureDriven();
    for (let i = 0; i < 100 && (this.#driving !== null || this.#delivering !== null); i++) await (this.#driving ?? this.#delivering);
    return ok(publicStatus(this.#row.state));
  }

  alarm(): void {
    this.#alarmAt = null; // the alarm that woke us is spent
    const row = this.#row;
    if (row === undefined) return;
    switch (onWake(row, this.#driving !== null)) {
      case "next-attempt":
        this.#nextAttempt();
        break;
      case "interrupted":
        this.#interrupted();
        break;
      case "resume":
      case "finish":
        this.#spawnDrive();
        break;
      case "watch":
      case "none":
        break;
    }
    if (owes(this.#row!.outbox)) void this.#deliver();
    this.#rearm();
  }

  // -- the drive loop --------------------------------------------------------------------------

  #firstState(req: ParsedStartRequest): { state: RunState; attempts: number; holder: string | null; error: string | null } {
    if (req.canceled === true) return { state: "canceled", attempts: 0, holder: null, error: null };
    if (this.#registry.callable(req.spec.action) === undefined) {
      const error = { code: "action.not_registered", message: notRegistered(req.spec.action) };
      return { state: "failed", attempts: 0, holder: null, error: JSON.stringify(error) };
    }
    if (req.lease !== undefined) return { state: "running", attempts: 1, holder: req.lease.holderId, error: null };
    if (req.spec.pool !== undefined) return { state: "waiting", attempts: 0, holder: `${req.id}:1`, error: null };
    return { state: "running", attempts: 1, holder: null, error: null };
  }

  /** Picks the run up in an instance that is not driving it (after a restart, or a cancel mid-attempt). */
  #ensureDriven(): void {
    const row = this.#row;
    if (this.#driving !== null || row === undefined) return;
    if (row.state === "running") this.#interrupted();
    else if (row.state === "waiting" || (TERMINAL.has(row.state) && (row.onComplete === "pending" || owes(row.outbox)))) this.#spawnDrive();
    else if (owes(row.outbox)) void this.#deliver();
  }

  #spawnDrive(): void {
    if (this.#driving !== null) return;
    const generation = this.#row!.generation;
    const driving = this.#drive(generation)
      .catch((err: unknown) =>
        log.error("driving an action run failed; the watchdog picks it up again", { actionRunId: this.#row?.runId, error: loggedError(err) }),
      )
      .finally(() => {
        if (this.#driving === driving) this.#driving = null;
        this.#rearm();
      });
    this.#driving = driving;
  }

  async #drive(generation: number): Promise<void> {
    for (;;) {
      const row = this.#row!;
      if (row.generation !== generation) return;
      if (row.state === "waiting") {
        if (!(await this.#waitForSlot(row))) return;
      } else if (row.state === "running") {
        await this.#attempt(row);
      } else {
        if (TERMINAL.has(row.state) && row.onComplete === "pending") await this.#callOnComplete(row);
        if (owes(this.#row!.outbox)) await this.#deliver();
        return;
      }
    }
  }

  /** Waits in the pool's queue under the next attempt's holder id, then starts the attempt. */
  async #waitForSlot(row: RunRow): Promise<boolean> {
    const controller = new AbortController();
    this.#controller = controller;
    let lease;
    try {
      lease = await this.#pool().acquire({ holderId: row.holder!, signal: controller.signal });
    } catch (err) {
      if (this.#row!.generation === row.generation) {
        log.error("an action run's wait for a pool slot failed; the watchdog retries", { actionRunId: row.runId, error: loggedError(err) });
      }
      return false;
    }
    if (this.#row!.generation !== row.generation) {
      await lease.release().catch(() => {});
      return false;
    }
    this.#lease = lease;
    const now = this.#clock.now();
    this.#store.transaction(() => {
      this.#store.update({ state: "running", attempts: row.attempts + 1 }, now);
      this.#store.startAttempt(row.attempts + 1, now);
    });
    this.#row = this.#store.get()!;
    return true;
  }

  /** Runs attempt `row.attempts`, journals its outcome, gives the slot back. */
  async #attempt(row: RunRow): Promise<void> {
    const controller = this.#controller ?? new AbortController();
    this.#controller = controller;
    const outcome = await this.#execute(row, controller.signal);
    this.#controller = null;
    if (this.#row!.generation !== row.generation) {
      await this.#releaseLease();
      return;
    }
    this.#record(row, outcome);
    await this.#releaseLease();
  }

  async #execute(row: RunRow, signal: AbortSignal): Promise<AttemptOutcome> {
    const def = this.#registry.callable(row.action);
    if (def === undefined) return { ok: false, error: { code: "action.not_registered", message: notRegistered(row.action), retryable: false } };
    try {
      const parsed = def.args.safeParse(decodePayload(row.args));
      if (!parsed.success) {
        throw new NonRetryableError(`invalid args for "${row.action}": ${issueSummary(parsed.error)}`, { code: "job.invalid_args" });
      }
      if (signal.aborted) throw signal.reason;
      const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
      aborted.catch(() => {});
      const ctx = withCalls({ env: this.#env, runId: row.runId, seq: 0, attempt: row.attempts, signal, idempotencyKey: row.runId }, this.#registry);
      // An action that ignores its signal still loses the race: the run moves on without it.
      return { ok: true, value: await Promise.race([Promise.resolve().then(() => def.handler(ctx, parsed.data)), aborted]) };
    } catch (err) {
      return { ok: false, error: toSerializedError(err) };
    }
  }

  /** Journals how attempt `row.attempts` ended: completed, a backoff before the next, or failed. */
  #record(row: RunRow, outcome: AttemptOutcome): void {
    const now = this.#clock.now();
    let error: SerializedError;
    if (outcome.ok) {
      try {
        const result = encodePayload(outcome.value, `the result of "${row.action}"`);
        this.#store.transaction(() => {
          this.#store.update(
            {
              state: "completed",
              result,
              holder: null,
              completedAt: now,
              onComplete: row.onCompleteRef === null ? "none" : "pending",
              outbox: this.#outboxAt("completed"),
            },
            now,
          );
          this.#store.endAttempt(row.attempts, { now, error: null, retryAt: null });
        });
        this.#row = this.#store.get()!;
        return;
      } catch (err) {
        error = err instanceof StepwiseError ? err.toJSON() : toSerializedError(err);
      }
    } else {
      error = outcome.error;
    }
    const decision = afterFailure(jsonColumn(RetryPolicy, row.policy, "run.policy"), row.attempts, error, now, this.#clock.random());
    const errorJson = JSON.stringify({ code: error.code, message: error.message });
    this.#store.transaction(() => {
      if (decision.type === "retry") {
        this.#store.update({ state: "backoff", error: errorJson, holder: null, wakeAt: decision.at }, now);
        this.#store.endAttempt(row.attempts, { now, error: errorJson, retryAt: decision.at });
      } else {
        this.#store.update(
          {
            state: "failed",
            error: errorJson,
            holder: null,
            completedAt: now,
            onComplete: row.onCompleteRef === null ? "none" : "pending",
            outbox: this.#outboxAt("failed"),
          },
          now,
        );
        this.#store.endAttempt(row.attempts, { now, error: errorJson, retryAt: null });
      }
    });
    this.#row = this.#store.get()!;
    this.#rearm();
  }

  /** Found `running` with nobody driving it: the attempt died with the instance. It counts as failed. */
  #interrupted(): void {
    const row = this.#row!;
    if (row.holder !== null && row.pool !== null) this.#leave(row.holder);
    const error: SerializedError = { code: "action.interrupted", message: `attempt ${row.attempts} was interrupted (the object restarted)`, retryable: true };
    this.#record(row, { ok: false, error });
    if (this.#row!.onComplete === "pending") this.#spawnDrive();
  }

  /** The backoff is over: queue for a slot (pooled) or start the next attempt. */
  #nextAttempt(): void {
    const row = this.#row!;
    const now = this.#clock.now();
    this.#store.transaction(() => {
      if (row.pool !== null) {
        this.#store.update({ state: "waiting", holder: `${row.runId}:${row.attempts + 1}`, wakeAt: null }, now);
      } else {
        this.#store.update({ state: "running", attempts: row.attempts + 1, wakeAt: null }, now);
        this.#store.startAttempt(row.attempts + 1, now);
      }
    });
    this.#row = this.#store.get()!;
    this.#spawnDrive();
  }

  async #callOnComplete(row: RunRow): Promise<void> {
    // Delivering the callback is a call between objects: one that fails before it ran leaves
    // onComplete pending, and the watchdog delivers it again.
    await acrossObjects("component.callback", () => Promise.resolve());
    const ref = jsonColumn(OnCompleteRef, row.onCompleteRef, "run.on_complete");
    const def = this.#registry.callable(ref.name);
    let failure: string | null = null;
    let failureError: LoggedError | undefined;
    if (def === undefined) {
      failure = `onComplete: ${notRegistered(ref.name)}`;
      failureError = { name: "StepwiseError", code: "action.not_registered", message: failure };
    } else {
      try {
        const args = def.args.parse({ id: row.runId, outcome: runOutcome(row), context: ref.context });
        const ctx = withCalls(
          { env: this.#env, runId: row.runId, seq: -1, attempt: 1, signal: new AbortController().signal, idempotencyKey: `${row.runId}:onComplete` },
          this.#registry,
        );
        await def.handler(ctx, args);
      } catch (err) {
        failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        // Stored with its message for the owner to read; the log gets its kind only (user code, user data).
        failureError = loggedError(err, { withMessage: false });
      }
    }
    // Not retried (as a workflow's onComplete): it runs once, again only if a crash interrupted it.
    if (failure !== null)
      log.error("an action run's onComplete failed; it is not retried", { actionRunId: row.runId, function: ref.name, error: failureError });
    this.#store.update({ onComplete: "done", onCompleteError: failure }, this.#clock.now());
    this.#row = this.#store.get()!;
  }

  // -- the outbox: the retriers' directory, a pool's record of failures ------------------------

  /** What the run owes once it moves to `state`. */
  #outboxAt(state: RunState): Outbox {
    const row = this.#row!;
    return outboxAfter(row.outbox, state, row.pool !== null);
  }

  /**
   * Delivers what the run owes (one message at a time, in order: a listing before its removal), and
   * records each once confirmed. A failure leaves it owed: the watchdog alarm, kept while anything is
   * owed, delivers it again. Single-flight in this instance.
   */
  #deliver(): Promise<void> {
    if (this.#delivering !== null) return this.#delivering;
    const delivering = (async () => {
      // A transition during a delivery may owe the next message (a run that ended while being listed).
      for (let i = 0; i < 3; i++) {
        const row = this.#row;
        if (row === undefined || !owes(row.outbox)) return;
        const sent = row.outbox;
        await acrossObjects("component.directory", () => this.#send(row, sent));
        this.#store.delivered(sent, outboxDelivered(sent), this.#clock.now());
        this.#row = this.#store.get()!;
      }
    })()
      .catch((err: unknown) =>
        log.error("delivering an action run's owed message failed; the watchdog delivers it again", { actionRunId: this.#row?.runId, error: loggedError(err) }),
      )
      .finally(() => {
        if (this.#delivering === delivering) this.#delivering = null;
        this.#rearm();
      });
    this.#delivering = delivering;
    return delivering;
  }

  async #send(row: RunRow, sent: Outbox): Promise<void> {
    if (sent === "list" || sent === "unlist") {
      const directory = actionRunNamespace(this.#env).getByName(RUN_DIRECTORY);
      if (sent === "list") unwrap(await rpcResult(directory.directoryAdd({ runId: row.runId, action: row.action, createdAt: row.createdAt })));
      else unwrap(await rpcResult(directory.directoryRemove(row.runId)));
      return;
    }
    const pool = jsonColumn(ActionRunSpec.shape.pool.unwrap(), row.pool, "run.pool");
    const error = jsonColumn(PublicError, row.error, "run.error");
    const failure = { jobId: row.runId, action: row.action, error: { code: error.code, message: error.message }, at: row.completedAt ?? row.updatedAt };
    unwrap(await rpcResult(workpoolNamespace(this.#env).getByName(pool.name).recordFailure(failure)));
  }

  // -- helpers ---------------------------------------------------------------------------------

  async #releaseLease(): Promise<void> {
    const lease = this.#lease;
    this.#lease = null;
    if (lease === null) return;
    await lease
      .release()
      .catch((err: unknown) =>
        log.error("an action run's giving back its slot failed; its lease will lapse", { actionRunId: this.#row?.runId, error: loggedError(err) }),
      );
  }

  #leave(holderId: string): void {
    this.#pool()
      .leave(holderId)
      .catch((err: unknown) =>
        log.error("an action run's leaving the pool failed; its lease will lapse", { actionRunId: this.#row?.runId, error: loggedError(err) }),
      );
  }

  #pool(): Workpool {
    const pool = jsonColumn(ActionRunSpec.shape.pool.unwrap(), this.#row?.pool, "run.pool");
    return new Workpool(workpoolNamespace(this.#env), { name: pool.name });
  }

  #rearm(): void {
    const row = this.#row;
    const want = row === undefined ? null : nextAlarm(row, this.#clock.now(), this.#watchdogMs);
    if (want === null) {
      if (this.#alarmAt !== null) void this.#ctx.storage.deleteAlarm();
      this.#alarmAt = null;
      return;
    }
    // A backoff rings exactly on time; a watchdog only needs some alarm to be pending.
    if (row!.state === "backoff" ? this.#alarmAt !== want : this.#alarmAt === null || this.#alarmAt === undefined) {
      this.#alarmAt = want;
      void this.#ctx.storage.setAlarm(want);
    }
  }
}

/** Args as the run row stores them; args that cannot be stored never match a stored run. */
function encodeOrNull(args: unknown): string | null | undefined {
  try {
    return encodePayload(args, "the action's args");
  } catch {
    return undefined;
  }
}

function notRegistered(name: string): string {
  return `nothing named "${name}" is registered: export it from a module given to createStepwise({ modules })`;
}
