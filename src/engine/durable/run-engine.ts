// The run object's behaviour behind its RPC surface: start, read, signal, cancel, alarms, finishing.
// It owns storage and scheduling; the handler's own progress lives in HandlerExecution.
import type { AnyWorkflow } from "../define.ts";
import { decodePayload, encodePayload, fail, ok, type RpcResult, RunCanceledError, SerializedError, StepwiseError } from "../../kernel/index.ts";
import type { Registry } from "../registry.ts";
import { ChildDetail, HandlerExecution, SignalDetail, type ExecutionHost } from "./execution.ts";
import { RunStore, WATCHDOG_SEQ, type RunRecord } from "./run-store.ts";
import { buildRunView, type RunView } from "./run-view.ts";
import { EventStreams } from "./event-streams.ts";
import { IndexOutbox } from "./index-outbox.ts";
import { fireTimer } from "./timers.ts";
import { notifyAndComplete } from "./run-finish.ts";
import { ChildCancel, Outcome, SIGNAL_NAME_PATTERN, StartInput, type StartResult } from "./run-protocol.ts";
import { acrossObjects } from "../faults.ts";

/** With nothing executing and no timer, a waiting run still wakes this often to check on itself. */
const IDLE_WATCHDOG_MS = 60 * 60 * 1000;

export class RunEngine implements ExecutionHost {
  readonly env: Env;
  readonly store: RunStore;
  readonly #ctx: DurableObjectState;
  readonly #registry: Registry;
  readonly #watchdogMs: number;
  #run: RunRecord | undefined;
  #execution: HandlerExecution | null = null;
  /** The alarm time last set; `undefined` until this instance set one. */
  #alarmAt: number | null | undefined = undefined;
  /** When the watchdog timer this instance armed is due; null when none is armed. */
  #watchdogAt: number | null = null;
  #afterFinish: Promise<void> | null = null;
  readonly #streams: EventStreams;
  #flushQueued = false;
  readonly #index: IndexOutbox;
  /** How long the last replay took, from loading the journal to the handler passing its last entry. */
  #replayMs: number | null = null;

  constructor(ctx: DurableObjectState, env: Env, registry: Registry) {
    this.#ctx = ctx;
    this.env = env;
    this.#registry = registry;
    this.store = new RunStore(ctx.storage);
    this.#streams = new EventStreams(ctx, this.store);
    this.#index = new IndexOutbox(env, this.store);
    this.#watchdogMs = Math.max(100, Number(env.STEPWISE_WATCHDOG_MS) || 30_000);
    void ctx.blockConcurrencyWhile(async () => {
      // An object never started (a read or signal for an unknown run id) gets no schema and no storage.
      if (!this.store.exists()) return;
      this.store.migrate();
      this.#run = this.store.getRun();
      if (this.#run !== undefined) this.#index.load();
    });
    this.store.onChange = () => this.#scheduleFlush();
  }

  get runId(): string {
    return this.#run?.runId ?? "";
  }

  now(): number {
    return Date.now();
  }

  random(): number {
    return Math.random();
  }

  // -- RPC -------------------------------------------------------------------------------------

  async start(raw: StartInput): Promise<RpcResult<StartResult>> {
    const input = StartInput.safeParse(raw);
    if (!input.success) return fail("request.invalid", "invalid start request", { issues: input.error.issues.map(({ path, message }) => ({ path, message })) });
    if (this.#run !== undefined) {
      if (input.data.sameArgsOnly === true && !this.#sameStart(input.data.workflow, input.data.args)) {
        return fail("run.idempotency_conflict", "this Idempotency-Key was already used to start a run with other args");
      }
      this.#ensureLive();
      const result: StartResult = { runId: this.#run.runId, status: this.#status(), created: false };
      const outcome = this.#outcome();
      if (outcome !== undefined) result.outcome = outcome;
      return ok(result);
    }
    const workflow = this.#registry.get(input.data.workflow);
    if (workflow === undefined) return fail("workflow.not_found", `no workflow named "${input.data.workflow}"`);
    const parsed = workflow.args.safeParse(input.data.args);
    if (!parsed.success) {
      return fail("run.invalid_args", `invalid args for workflow "${workflow.name}"`, {
        issues: parsed.error.issues.map(({ path, message }) => ({ path: path.map(String), message })),
      });
    }
    let args: string | null;
    try {
      args = encodePayload(parsed.data, "the run's args");
    } catch (err) {
      if (err instanceof StepwiseError) return { ok: false, error: err.toJSON() };
      throw err;
    }
    const now = this.now();
    this.store.migrate();
    this.store.insertRun({ runId: input.data.runId, workflow: workflow.name, args, parent: input.data.parent ? JSON.stringify(input.data.parent) : null, now });
    this.#run = this.store.getRun();
    this.#index.load();
    this.#ensureLive();
    return ok({ runId: input.data.runId, status: "running", created: true });
  }

  describe(opts: { steps?: "all" | "none" } = {}): RpcResult<RunView> {
    const run = this.#run;
    if (run === undefined) return fail("run.not_found", "no such run");
    this.#ensureLive();
    const extra: Parameters<typeof buildRunView>[2] = {
      stepCount: this.store.stepCount(),
      stats: { replayedSteps: this.#execution?.replayedSteps ?? null, replayMs: this.#replayMs },
    };
    if (opts.steps !== "none") extra.steps = this.store.allSteps();
    return ok(buildRunView(this.#run ?? run, run.status === "running" ? this.store.openSteps() : [], extra));
  }

  /**
   * Accepts a signal for the run and, in the same transaction, delivers it into the wait it is for.
   * - `idempotencyKey`: a repeat with the same name and payload returns the first one's id with
   *   `duplicate: true`; the key with another name or payload is `signal.idempotency_conflict`.
   * - `onceKey`: the first signal under the key is the only one, whatever later ones carry (an
   *   approval's decision): later ones return the first one's id with `duplicate: true`.
   * - `forWaitAfter`: the signal is for the first wait on `name` journaled after that seq, and no
   *   other: refused (`signal.not_waiting`) once that wait ended, buffered for it until it is journaled.
   * Without it, the signal goes to the oldest wait on `name` that waits, or is buffered for the next.
   */
  signal(
    name: string,
    payload: unknown,
    opts: { onceKey?: string; idempotencyKey?: string; forWaitAfter?: number } = {},
  ): RpcResult<{ signalId: number; duplicate: boolean; at: number }> {
    if (this.#run === undefined) return fail("run.not_found", "no such run");
    if (!SIGNAL_NAME_PATTERN.test(name)) return fail("signal.invalid_name", "a signal name is 1-100 characters of letters, digits, '_', '.', ':', '-'");
    // null is what a wait that timed out returns: a payload may never be it.
    if (payload === null) return fail("signal.invalid_payload", "a signal's payload may not be null (a timed-out wait returns null); omit it to send true");
    let encoded: string | null;
    try {
      // An omitted payload arrives as `true`, so that `null` from waitForSignal always means a timeout.
      encoded = encodePayload(payload === undefined ? true : payload, "the signal's payload");
    } catch (err) {
      if (err instanceof StepwiseError) return { ok: false, error: err.toJSON() };
      throw err;
    }
    const { onceKey, idempotencyKey, forWaitAfter } = opts;
    const key = onceKey ?? (idempotencyKey === undefined ? undefined : `idem:${idempotencyKey}`);
    if (key !== undefined) {
      // Keys stored before they were bound to their signal were prefixed "header:".
      const earlier = this.store.signalForKey(key) ?? (idempotencyKey === undefined ? undefined : this.store.signalForKey(`header:${idempotencyKey}`));
      if (earlier !== undefined) {
        if (onceKey === undefined && (earlier.name !== name || earlier.payload !== encoded)) {
          return fail("signal.idempotency_conflict", "this Idempotency-Key was already used for a signal with another name or payload");
        }
        return ok({ signalId: earlier.signalId, at: earlier.at, duplicate: true });
      }
    }
    if (this.#run.status !== "running") return fail("signal.run_finished", `the run has already ended (${this.#run.status})`);
    const target = forWaitAfter === undefined ? undefined : this.#waitAfter(forWaitAfter, name);
    if (target !== undefined && target.status !== "waiting") return fail("signal.not_waiting", `the wait for "${name}" after step ${forWaitAfter} has ended`);
    const now = this.now();
    const { signalId, delivered } = this.store.transaction(() => {
      const id = this.store.insertSignal(name, encoded, now, forWaitAfter ?? null);
      if (key !== undefined) this.store.rememberSignalKey(key, id, now);
      const seq = forWaitAfter === undefined ? this.store.oldestWaitOn(name) : target?.seq;
      return { signalId: id, delivered: seq === undefined ? undefined : this.store.deliverSignal({ id, payload: encoded }, seq, now) };
    });
    this.#ensureLive();
    if (delivered !== undefined) {
      this.#execution?.settle(delivered);
      this.rearm();
    }
    return ok({ signalId, duplicate: false, at: now });
  }

  socketClosed(): void {
    this.#streams.socketClosed();
  }

  /**
   * One journaled step with the run's workflow and status, the first wait on `waitFor` journaled after
   * it, and the once-only signal under `onceKey`: what an approval page shows.
   */
  stepInfo(
    seq: number,
    opts: { onceKey?: string; waitFor?: string } = {},
  ): RpcResult<{
    workflow: string;
    runStatus: RunRecord["status"];
    step: { name: string; kind: string; status: string; result: unknown } | null;
    wait: { seq: number; status: string } | null;
    signaled: { at: number; payload: unknown } | null;
  }> {
    if (this.#run === undefined) return fail("run.not_found", "no such run");
    const step = this.store.getStep(seq);
    const wait = opts.waitFor === undefined ? undefined : this.#waitAfter(seq, opts.waitFor);
    const earlier = opts.onceKey === undefined ? undefined : this.store.signalForKey(opts.onceKey);
    return ok({
      workflow: this.#run.workflow,
      runStatus: this.#run.status,
      step: step === undefined ? null : { name: step.name, kind: step.kind, status: step.status, result: decodePayload(step.result) },
      wait: wait === undefined ? null : { seq: wait.seq, status: wait.status },
      signaled: earlier === undefined ? null : { at: earlier.at, payload: decodePayload(earlier.payload) },
    });
  }

  /** The first wait on signal `name` journaled after `seq`. */
  #waitAfter(seq: number, name: string) {
    return this.store.signalStepsAfter(seq).find((s) => SignalDetail.parse(JSON.parse(s.detail ?? "{}")).signal === name);
  }

  /** Serves the event streams: `GET /events` (SSE, Last-Event-ID or ?after) and `GET /ws` (?after). */
  fetch(request: Request): Response {
    const url = new URL(request.url);
    if (this.#run === undefined) {
      return Response.json({ code: "run.not_found", message: "no such run" }, { status: 404 });
    }
    this.#ensureLive();
    const after = Number(request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? 0);
    const from = Number.isSafeInteger(after) && after > 0 ? after : 0;
    const finished = this.#run.status !== "running";
    if (url.pathname.endsWith("/ws")) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return Response.json({ code: "request.invalid", message: "expected a WebSocket upgrade" }, { status: 426 });
      }
      return this.#streams.openWebSocket(from, finished);
    }
    return this.#streams.openSse(from, finished);
  }

  /**
   * Cancels the run. `asChildOf` comes from a parent that ended: a child it never got to start is
   * recorded canceled, so that a start still on its way cannot run it.
   */
  async cancel(opts: { asChildOf?: ChildCancel } = {}): Promise<RpcResult<{ status: "canceled" }>> {
    if (this.#run === undefined && opts.asChildOf !== undefined) this.#insertCanceledChild(opts.asChildOf);
    if (this.#run === undefined) return fail("run.not_found", "no such run");
    if (this.#run.status !== "running") return fail("run.already_finished", `the run has already ended (${this.#run.status})`);
    await this.#end({ status: "canceled", result: null, error: null }, new RunCanceledError());
    return ok({ status: "canceled" });
  }

  /** A child run ended; settles the parent's `workflow` step. Idempotent. */
  childFinished(seq: number, childRunId: string, rawOutcome: Outcome): RpcResult<{ settled: boolean }> {
    const outcome = Outcome.parse(rawOutcome);
    if (this.#run?.status !== "running") return ok({ settled: false });
    const step = this.store.getStep(seq);
    if (step === undefined || step.kind !== "workflow" || step.status !== "waiting") return ok({ settled: false });
    if (ChildDetail.parse(JSON.parse(step.detail ?? "{}")).childRunId !== childRunId) return ok({ settled: false });
    const now = this.now();
    if (outcome.status === "completed") {
      let result: string | null;
      try {
        result = encodePayload(outcome.result, `result of child run ${childRunId}`);
        this.store.updateStep(seq, { status: "completed", result, completedAt: now });
      } catch (err) {
        this.store.updateStep(seq, { status: "failed", error: JSON.stringify(err instanceof StepwiseError ? err.toJSON() : { code: "step.failed", message: String(err) }), completedAt: now });
      }
    } else {
      const error = outcome.status === "failed" ? outcome.error : { code: "run.canceled", message: `child run ${childRunId} was canceled` };
      this.store.updateStep(seq, { status: "failed", error: JSON.stringify(error), completedAt: now });
    }
    this.#ensureLive();
    this.#execution?.settle(this.store.getStep(seq)!);
    return ok({ settled: true });
  }

  /**
   * Resolves once the run is quiet: at most `executing` steps run user code (0 by default) and every
   * other open step waits on a timer, signal or child, or the run ended. For tests and tools.
   */
  async settled(executing = 0): Promise<RpcResult<RunView["status"]>> {
    if (this.#run === undefined) return fail("run.not_found", "no such run");
    this.#ensureLive();
    let quietTurns = 0;
    for (let turn = 0; turn < 2_000 && quietTurns < 3; turn++) {
      await new Promise((r) => setTimeout(r, 0));
      const execution = this.#execution;
      const busy = (execution !== null && !execution.stopped && execution.executing > executing) || this.#afterFinish !== null;
      quietTurns = busy ? 0 : quietTurns + 1;
    }
    if (quietTurns < 3) return fail("run.not_settled", "the run kept executing");
    return ok(this.#status());
  }

  async alarm(): Promise<void> {
    this.#alarmAt = null; // the alarm that woke us is spent
    if (this.#run === undefined) return;
    const earliest = this.store.earliestTimer();
    if (earliest !== null) {
      // An alarm fires for the earliest timer: count it as due even if the clock reads a little earlier.
      for (const timer of this.store.dueTimers(Math.max(this.now(), earliest))) {
        if (fireTimer(this.store, this.#execution, timer, this.now())) this.#watchdogAt = null;
      }
    }
    this.#ensureLive();
    this.#afterWatchdog();
    this.rearm();
    this.#scheduleFlush();
    if (this.#afterFinish !== null) await this.#afterFinish;
  }

  // -- ExecutionHost ---------------------------------------------------------------------------

  rearm(): void {
    const at = this.store.earliestTimer();
    if (at === this.#alarmAt) return;
    this.#alarmAt = at;
    if (at === null) void this.#ctx.storage.deleteAlarm();
    else void this.#ctx.storage.setAlarm(at);
  }

  ensureWatchdog(): void {
    if (this.#run?.status !== "running") return;
    const due = this.now() + this.#watchdogMs;
    // Only ever earlier: the hourly watchdog of a run that only waits gives way once a step executes.
    if (this.#watchdogAt !== null && this.#watchdogAt <= due) return;
    this.#armWatchdog(due);
  }

  #armWatchdog(at: number): void {
    this.#watchdogAt = at;
    this.store.setTimer("watchdog", WATCHDOG_SEQ, at);
    this.rearm();
  }

  startChild(seq: number, childRunId: string, workflow: string, args: unknown): void {
    const stub = this.env.WORKFLOW_RUNS.getByName(childRunId);
    void acrossObjects("run.child", () => stub.start({ runId: childRunId, workflow, args, parent: { runId: this.runId, seq } }))
      .then((rpc) => {
        // SAFETY: the RPC type is RpcResult<StartResult> intersected with Disposable, which defeats narrowing on `ok`.
        const r = rpc as RpcResult<StartResult>;
        if (!r.ok) this.childFinished(seq, childRunId, { status: "failed", error: r.error });
        else if (r.value.outcome !== undefined) this.childFinished(seq, childRunId, r.value.outcome);
      })
      .catch((err: unknown) => console.error(`run ${this.runId}: starting child ${childRunId} failed, the watchdog retries: ${String(err)}`));
  }

  async finish(outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError }): Promise<void> {
    const workflow = this.#workflow();
    if (outcome.ok) {
      let value = outcome.result;
      if (workflow?.returns !== undefined) {
        const parsed = workflow.returns.safeParse(value);
        if (!parsed.success) {
          const paths = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
          return this.failRun({ code: "run.invalid_result", message: `the handler's return value does not match "returns": ${paths}` });
        }
        value = parsed.data;
      }
      try {
        return await this.#end({ status: "completed", result: encodePayload(value, "the run's result"), error: null });
      } catch (err) {
        if (err instanceof StepwiseError) return this.failRun(err.toJSON());
        throw err;
      }
    }
    return this.failRun(outcome.error);
  }

  failRun(error: SerializedError): Promise<void> {
    return this.#end({ status: "failed", result: null, error: JSON.stringify({ code: error.code, message: error.message }) });
  }

  // -- internals -------------------------------------------------------------------------------

  #workflow(): AnyWorkflow | undefined {
    return this.#run === undefined ? undefined : this.#registry.get(this.#run.workflow);
  }

  #status(): RunView["status"] {
    const run = this.#run!;
    if (run.status !== "running") return run.status;
    return buildRunView(run, this.store.openSteps(), { stepCount: 0, stats: { replayedSteps: null, replayMs: null } }).status;
  }

  #outcome(): Outcome | undefined {
    const run = this.#run!;
    if (run.status === "completed") return { status: "completed", result: decodePayload(run.result) };
    if (run.status === "failed") return { status: "failed", error: SerializedError.parse(JSON.parse(run.error ?? "{}")) };
    if (run.status === "canceled") return { status: "canceled" };
    return undefined;
  }

  /** Starts (or replays) the handler if the run is unfinished and nothing runs it in this instance. */
  #ensureLive(): void {
    const run = this.#run;
    if (run === undefined) return;
    if (run.status !== "running") {
      if (this.#owesAfterFinish(run) && this.#afterFinish === null) this.#afterFinish = this.#finishSideEffects();
      return;
    }
    if (this.#execution !== null) return;
    const workflow = this.#workflow();
    if (workflow === undefined) {
      void this.failRun({ code: "workflow.not_found", message: `workflow "${run.workflow}" is no longer defined` });
      return;
    }
    const started = performance.now();
    this.#execution = new HandlerExecution(this, workflow, decodePayload(run.args), this.store.replayJournal(), () => {
      this.#replayMs = performance.now() - started;
    });
    this.ensureWatchdog();
    void this.#execution.start();
  }

  /**
   * Ends the run in one transaction: outcome, open steps canceled, timers cleared, and a cancel owed to
   * every open child run (kept until each child confirms); then the side effects.
   */
  async #end(end: { status: "completed" | "failed" | "canceled"; result: string | null; error: string | null }, reason?: StepwiseError): Promise<void> {
    if (this.#run?.status !== "running") return;
    const open = this.store.openSteps();
    const now = this.now();
    this.store.transaction(() => {
      // "pending" until the parent is told, onComplete has run and the index has the outcome; the
      // watchdog brings the object back to finish those after a crash.
      this.store.finishRun({ ...end, onComplete: "pending", now });
      for (const s of open) {
        this.store.updateStep(s.seq, { status: "canceled", completedAt: now });
        if (s.kind === "workflow") {
          const { childRunId, workflow } = ChildDetail.parse(JSON.parse(s.detail ?? "{}"));
          this.store.addChildCancel({ runId: childRunId, workflow, args: s.args, parentSeq: s.seq });
        }
      }
      this.store.deleteAllTimers();
      this.store.setTimer("watchdog", WATCHDOG_SEQ, now + this.#watchdogMs);
    });
    this.#run = this.store.getRun();
    this.#execution?.stop(reason ?? new StepwiseError("run.finished", "the run has ended"));
    this.rearm();
    if (this.#afterFinish === null) this.#afterFinish = this.#finishSideEffects();
    await this.#afterFinish;
  }

  /** What a finished run still owes before it may sleep for good. */
  #owesAfterFinish(run: RunRecord): boolean {
    return run.onComplete === "pending" || !this.#index.isCurrent(run.status) || this.store.childCancels().length > 0;
  }

  /**
   * Cancels the open children, tells the parent, runs onComplete, records both done, then brings the
   * index up to date. Re-run by the watchdog (after a crash, or while a child has not confirmed).
   */
  async #finishSideEffects(): Promise<void> {
    try {
      const childrenDone = await this.#cancelChildren();
      if (this.#run!.onComplete === "pending") {
        await notifyAndComplete(this.env, this.#run!, this.#workflow(), this.#outcome()!);
        this.store.markOnCompleteDone(this.now());
        this.#run = this.store.getRun();
      }
      // The outcome must reach the index before the object may sleep for good.
      if ((await this.#syncIndex()) && childrenDone) this.store.deleteAllTimers();
      this.rearm();
    } finally {
      this.#afterFinish = null;
    }
  }

  /** Sends every cancel still owed to a child; a confirmed one is crossed off. True when none is left. */
  async #cancelChildren(): Promise<boolean> {
    const owed = this.store.childCancels();
    const results = await Promise.all(
      owed.map(async (c) => {
        try {
          const rpc = await acrossObjects("run.child", () =>
            this.env.WORKFLOW_RUNS.getByName(c.runId).cancel({ asChildOf: { childRunId: c.runId, parentRunId: this.runId, seq: c.parentSeq, workflow: c.workflow, args: c.args } }),
          );
          // SAFETY: the RPC type is RpcResult intersected with Disposable, which defeats narrowing on `ok`.
          const r = rpc as RpcResult<{ status: "canceled" }>;
          if (r.ok || r.error.code === "run.already_finished") {
            this.store.deleteChildCancel(c.runId);
            return true;
          }
          console.error(`run ${this.runId}: canceling child ${c.runId} answered ${r.error.code}; retried on the next wake-up`);
        } catch (err) {
          console.error(`run ${this.runId}: canceling child ${c.runId} failed; retried on the next wake-up: ${String(err)}`);
        }
        return false;
      }),
    );
    return results.every(Boolean);
  }

  /** A child whose parent ended before starting it: recorded as a run that was canceled at once. */
  #insertCanceledChild(c: ChildCancel): void {
    const parsed = ChildCancel.safeParse(c);
    if (!parsed.success) return;
    const { childRunId, parentRunId, seq, workflow, args } = parsed.data;
    this.store.migrate();
    this.store.insertRun({ runId: childRunId, workflow, args, parent: JSON.stringify({ runId: parentRunId, seq }), now: this.now() });
    this.#run = this.store.getRun();
    this.#index.load();
  }

  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // A macrotask, not a microtask: a handler running many quick steps flushes once per turn, not per step.
    setTimeout(() => {
      this.#flushQueued = false;
      if (this.#run === undefined) return;
      if (this.#streams.listening) this.#streams.flush(this.#run.status !== "running");
      void this.#syncIndex();
    }, 0);
  }

  /** Pushes the run's status to the index if it changed (see IndexOutbox); true when the index has it. */
  async #syncIndex(): Promise<boolean> {
    const run = this.#run;
    if (run === undefined) return false;
    const pushed = await this.#index.push(run, this.#status(), this.now());
    if (!pushed && this.#run?.status === "running") this.ensureWatchdog();
    return pushed;
  }

  #sameStart(workflow: string, rawArgs: unknown): boolean {
    const run = this.#run!;
    const def = this.#registry.get(workflow);
    if (def === undefined || run.workflow !== workflow) return false;
    const parsed = def.args.safeParse(rawArgs);
    if (!parsed.success) return false;
    try {
      return encodePayload(parsed.data, "args") === run.args;
    } catch {
      return false;
    }
  }

  /** After an alarm: keep a watchdog while anything executes or nothing else would wake the run. */
  #afterWatchdog(): void {
    const run = this.#run;
    if (run === undefined) return;
    if (run.status !== "running") {
      if (this.#owesAfterFinish(run)) this.store.setTimer("watchdog", WATCHDOG_SEQ, this.now() + this.#watchdogMs);
      return;
    }
    const execution = this.#execution;
    if (execution === null || this.#watchdogAt !== null) return;
    for (const seq of execution.childSteps) {
      const step = this.store.getStep(seq);
      if (step?.status === "waiting") {
        const detail = ChildDetail.parse(JSON.parse(step.detail ?? "{}"));
        this.startChild(seq, detail.childRunId, detail.workflow, decodePayload(step.args));
      }
    }
    if (execution.executing > 0 || execution.childSteps.length > 0) this.ensureWatchdog();
    else if (!this.store.hasTimersOtherThanWatchdog()) this.#armWatchdog(this.now() + IDLE_WATCHDOG_MS);
  }
}
