// One live run of a workflow handler in the object's memory: assigns sequence numbers in call order,
// asks the step machine (core/step-machine.ts) what each call, attempt outcome or lost race does,
// applies its writes to storage, and keeps the in-memory side: parked promises, attempt abort
// controllers, the replay copy of the journal, and the combinator watch.
import type { AnyWorkflow } from "../workflow-api.ts";
import { AttemptAbort } from "./attempt-abort.ts";
import { attemptContext } from "./attempt-context.ts";
import { instrumentation } from "../instrumentation.ts";
import type { Registry } from "../registry.ts";
import { log, loggedError, StepwiseError, toSerializedError, type Clock, type SerializedError } from "../../kernel/index.ts";
import type { JournalEntry } from "../core/journal.ts";
import { resolveRetry } from "../core/retry.ts";
import { CombinatorWatch } from "../core/combinators.ts";
import { UsageMeter, type TokenUsage } from "../core/usage.ts";
import {
  afterAttempt,
  attemptStarted,
  onCall,
  onHandlerEnd,
  onLost,
  replayed,
  retryDue,
  settlement,
  touchesTimers,
  type Next,
  type SignalContract,
  type StepWrite,
} from "../core/step-machine.ts";
import { createStepContext, type StepCall } from "../step-context.ts";
import type { SlotLease } from "../workflow-api.ts";
import type { RunStore } from "./run-store.ts";

/** What the execution needs from the object that hosts it. */
export interface ExecutionHost {
  readonly env: Env;
  readonly registry: Registry;
  readonly runId: string;
  readonly store: RunStore;
  readonly clock: Clock;
  /** Re-points the object's alarm at the earliest timer after timers changed. */
  rearm(): void;
  /** Makes sure the watchdog alarm covers a step that is executing. */
  ensureWatchdog(): void;
  /** Starts (idempotently) the child run of a `workflow` step; settles the step itself if the child already ended. */
  startChild(seq: number, childRunId: string, workflow: string, args: unknown): void;
  /** The handler returned or threw. */
  finish(outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError }): Promise<void>;
  /** The journal disagrees with the handler: fail the run. */
  failRun(error: SerializedError): Promise<void>;
}

/**
 * Steps between two turns given back to the event loop while the handler runs steps anew: 512 quick
 * steps (written eight to a statement) hold the thread for about 5 ms (a quick step costs workerd about
 * 11 µs of CPU). Each turn given back also commits what the steps before it wrote, and a commit costs
 * more than a quick step, more so as the object grows (in `wrangler dev`, a bare object's 10,000 inserts
 * took about 2.4x as long with a turn every 32 rows as in one go). Every 32 steps, a 100,000-step run
 * took 4.85 s; every 128, 3.40 s. With the batches, a 1,000-step run took 24.0-24.25 ms of workerd's CPU
 * every 256 steps against 25.75-26.25 every 128; every 512, 18.75-20.75 ms (median 19.5) against
 * 19.25-21.5 (19.75) every 256, and 20.8-22.9 ms of wall time (median 21.7) against 21.8-24.5 (22.6):
 * 40 serial held starts a batch, three batches, five alternated rounds.
 */
export const YIELD_EVERY = 512;
/**
 * The same while it replays journaled steps: each is answered from its row in about a microsecond (a
 * 10,000-step replay took 22 ms, of which reading the rows is about the 14 ms a bare object takes to
 * read as many), so 1,024 of them hold the thread for a millisecond or two, and such a replay gives way
 * 9 times. Every 256, the first replay after a restart, with the run's status polled every 10 ms
 * meanwhile, took 32-45 ms (median 42 of 9); every 1,024, with the journal's array kept as it is
 * (below), 22-41 ms (median 28 of 9).
 */
const REPLAY_YIELD_EVERY = 1024;

type Waiter = { resolve: (value: unknown) => void; reject: (err: unknown) => void };
type ActionCall = Extract<StepCall, { kind: "action" | "mutation" | "run" }>;

export class HandlerExecution {
  readonly #host: ExecutionHost;
  readonly #workflow: AnyWorkflow;
  readonly #args: unknown;
  /**
   * Journal rows not yet reached by a replaying handler, at their seq (a reached row's place is emptied);
   * empty for a run that never lost its memory. An array, not a Map: a Map of 10,000 rows, each looked up
   * and deleted once, took 6-9 ms in Node against 0.3-3.6 ms for the array (deletes make a Map rehash as
   * it shrinks), on a replay of tens of milliseconds.
   */
  #replay: (JournalEntry | undefined)[] = [];
  /** How many rows of #replay the handler has not reached yet. */
  #unreached = 0;
  readonly #waiters = new Map<number, Waiter>();
  /** The schemas of the signal waits parked here, for the run object to check a signal with in full. */
  readonly #contracts = new Map<number, SignalContract>();
  readonly #controllers = new Map<number, AttemptAbort>();
  #nextSeq = 0;
  #sinceYield = 0;
  #stopped: StepwiseError | null = null;
  /** Steps executing user code: what the watchdog guards and the run's activity snapshot reports. */
  #busy = 0;
  /** Step calls waiting out a give-way turn (see YIELD_EVERY): the handler is under way, though no step runs. */
  #yielding = 0;
  /** Open child-workflow steps: the watchdog keeps polling them. */
  readonly #children = new Set<number>();
  #finishing: Promise<void> | null = null;
  /** Steps that lost a race before they were journaled: they are journaled abandoned. */
  readonly #lostEarly = new Set<number>();
  readonly #combinators = new CombinatorWatch((seqs) => {
    for (const seq of seqs) this.#abandon(seq);
  });
  readonly replayedSteps: number;
  /** Where the handler last read step.usage(): the seq it had reached, and how many reads it made there. */
  #usageReads = { seq: -1, n: 0 };
  /** While the run is paused: released by `resume` (or `stop`); a step the journal does not hold waits for it. */
  #pauseGate: { released: Promise<void>; release: () => void } | null = null;

  readonly #onReplayed: () => void;

  constructor(host: ExecutionHost, workflow: AnyWorkflow, args: unknown, journal: JournalEntry[], opts: { onReplayed?: () => void; paused?: boolean } = {}) {
    this.#host = host;
    this.#onReplayed = opts.onReplayed ?? (() => {});
    if (opts.paused === true) this.pause();
    this.#workflow = workflow;
    this.#args = args;
    // Each step takes the next seq, so the journal's rows are at their seq already: the array is kept
    // (its owner, the store's read, keeps none) rather than copied into a new one, a cost a replay paid
    // in a fresh isolate (2.4 ms of 10,000 rows in a CPU profile of one).
    if (journal.every((r, i) => r.seq === i)) this.#replay = journal;
    else for (const r of journal) this.#replay[r.seq] = r;
    this.#unreached = journal.length;
    this.replayedSteps = journal.length;
  }

  /** Runs the handler to its end; the host is told the outcome. Never rejects. */
  start(): Promise<void> {
    const step = createStepContext(
      this.#host.runId,
      this.#host.registry,
      (call) => {
        // Sequence numbers follow call order, so take one before anything can interleave.
        const seq = this.#nextSeq++;
        return this.#combinators.watch(this.#execute(seq, call), [seq]);
      },
      { patched: (changeId) => this.#patched(changeId), usage: () => this.#usage() },
    );
    this.#finishing = (async () => {
      let outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError };
      try {
        outcome = { ok: true, result: await this.#workflow.handler(step, this.#args) };
      } catch (err) {
        outcome = { ok: false, error: toSerializedError(err, "run.handler_failed") };
      }
      if (this.#stopped) return;
      // A paused run does not end either: its outcome waits for the resume (or a cancel).
      while (this.#pauseGate !== null) await this.#pauseGate.released;
      if (this.#stopped) return;
      const unreached = onHandlerEnd(this.#replay.filter((r) => r !== undefined));
      if (unreached !== null) await this.#host.failRun(unreached);
      else await this.#host.finish(outcome);
    })();
    return this.#finishing;
  }

  get stopped(): boolean {
    return this.#stopped !== null;
  }

  get executing(): number {
    return this.#busy;
  }

  /** Whether the handler is still catching up on journaled steps it has not reached again. */
  get replaying(): boolean {
    return this.#unreached > 0 && this.#stopped === null;
  }

  /** Whether the handler is between two steps, giving the event loop a turn. */
  get yielding(): boolean {
    return this.#yielding > 0;
  }

  get childSteps(): number[] {
    return [...this.#children];
  }

  /** The run was paused: a step the journal does not hold yet waits until `resume`. */
  pause(): void {
    if (this.#pauseGate !== null) return;
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#pauseGate = { released, release };
  }

  resume(): void {
    const gate = this.#pauseGate;
    this.#pauseGate = null;
    gate?.release();
  }

  /** Stops the handler: waits reject with `reason`, in-flight actions see their signal abort. */
  stop(reason: StepwiseError): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.resume();
    for (const c of this.#controllers.values()) c.abort(reason);
    for (const w of this.#waiters.values()) w.reject(reason);
    this.#waiters.clear();
    this.#contracts.clear();
    this.#children.clear();
  }

  // -- settling parked steps (called by the host after it journaled the transition) -------------

  /** A parked step finished (timer, signal or child). Resolves its waiter, or updates the replay copy. */
  settle(record: JournalEntry): void {
    const waiter = this.#waiters.get(record.seq);
    this.#contracts.delete(record.seq);
    if (record.kind === "workflow") this.#children.delete(record.seq);
    if (waiter === undefined) {
      if (this.#replay[record.seq] !== undefined) this.#replay[record.seq] = record;
      return;
    }
    this.#waiters.delete(record.seq);
    const settled = settlement(record);
    if (settled.ok) waiter.resolve(settled.value);
    else waiter.reject(StepwiseError.fromJSON(settled.error));
  }

  /** The schema of the signal wait at `seq`, while the handler is parked on it here (undefined otherwise). */
  signalContract(seq: number): SignalContract | undefined {
    return this.#contracts.get(seq);
  }

  /** A step's timeout timer fired: abort its attempt. */
  timeoutStep(seq: number, timeoutMs: number | null): void {
    this.#controllers
      .get(seq)
      ?.abort(new StepwiseError("step.timeout", `step ${seq} timed out${timeoutMs ? ` after ${timeoutMs} ms` : ""}`, { retryable: true }));
  }

  // -- the step executor -----------------------------------------------------------------------

  async #execute(seq: number, call: StepCall): Promise<unknown> {
    if (this.#stopped) throw this.#stopped;
    // A handler of many quick steps runs on microtasks alone, which would keep the isolate from
    // serving anything else (other runs, reads, signals) until it ends: give way every so often.
    if (++this.#sinceYield >= (this.#unreached > 0 ? REPLAY_YIELD_EVERY : YIELD_EVERY)) {
      this.#sinceYield = 0;
      this.#yielding++;
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.#yielding--;
      if (this.#stopped) throw this.#stopped;
    }
    const journaled = this.#replay[seq];
    if (journaled !== undefined) {
      this.#replay[seq] = undefined;
      if (--this.#unreached === 0) {
        this.#replay.length = 0;
        this.#onReplayed();
      }
    }
    // A paused run starts no new step: a call past the journal waits for the resume (replay goes on).
    while (journaled === undefined && this.#pauseGate !== null) {
      await this.#pauseGate.released;
      if (this.#stopped) throw this.#stopped;
    }
    // A replayed step that settled is answered from its row alone (the common case of a long replay).
    const transition =
      (journaled === undefined ? null : replayed(seq, call, journaled)) ??
      onCall({
        seq,
        call,
        journaled,
        runId: this.#host.runId,
        workflowRetry: this.#workflow.retry,
        clock: this.#host.clock,
        lostEarly: this.#lostEarly.delete(seq),
        bufferedSignal: this.#bufferedSignal,
      });
    this.#apply(transition.writes);
    return this.#follow(seq, call, transition.next);
  }

  /**
   * `step.patched(changeId)`: the journaled answer if there is one; else `false` while the handler still
   * replays steps journaled beyond this point (the run passed here on code without the check), `true`
   * at the frontier. The answer is journaled with the position it was first asked at.
   */
  #patched(changeId: string): boolean {
    if (typeof changeId !== "string" || changeId.length === 0 || changeId.length > 200) {
      throw new StepwiseError("step.invalid_args", "step.patched takes a change id of 1-200 characters");
    }
    const { store, clock } = this.#host;
    const known = store.getPatch(changeId);
    if (known !== undefined) return known.value;
    if (this.#stopped) throw this.#stopped;
    const value = this.#unreached === 0;
    store.insertPatch({ changeId, value, seq: this.#nextSeq, at: clock.now() });
    return value;
  }

  /**
   * `step.usage()`: the answer journaled for this read (the n-th at this seq), else the usage of the steps
   * before this point as the journal has it now, journaled, so a replay answers the same whatever the
   * steps in flight at the first read did later.
   */
  #usage(): TokenUsage {
    const seq = this.#nextSeq;
    if (this.#usageReads.seq !== seq) this.#usageReads = { seq, n: 0 };
    const n = this.#usageReads.n++;
    const { usage } = this.#host.store;
    const known = usage.read(seq, n);
    if (known !== undefined) return known;
    if (this.#stopped) throw this.#stopped;
    const total = usage.total(seq);
    usage.insertRead({ seq, n, usage: total });
    return total;
  }

  readonly #bufferedSignal = (name: string, seq: number, skip: readonly number[]) => this.#host.store.pendingSignalFor(name, seq, skip);

  /**
   * Does what the machine said, once its writes are durable. Not async: a replayed step's value goes
   * back as it is, without a promise of its own (a 10,000-step replay would otherwise pay for 10,000).
   */
  #follow(seq: number, call: StepCall, next: Next): unknown {
    switch (next.type) {
      case "return":
        return next.value;
      case "throw":
        throw StepwiseError.fromJSON(next.error);
      case "park":
        if (call.kind === "signal" && call.contract !== undefined) this.#contracts.set(seq, call.contract);
        return this.#park(seq);
      case "attempt":
      case "retryLater":
        // SAFETY: the machine only asks action, mutation and run steps for attempts.
        return this.#attempts(seq, call as ActionCall, next.attempt, next.type === "retryLater");
      case "child":
        // SAFETY: the machine only parks `workflow` steps on a child.
        return this.#parkForChild(seq, next.childRunId, next.workflow, (call as Extract<StepCall, { kind: "workflow" }>).args);
      case "nonDeterminism":
        return this.#host.failRun(next.error).then(() => {
          throw StepwiseError.fromJSON(next.error);
        });
    }
  }

  #apply(writes: readonly StepWrite[]): void {
    this.#host.store.apply(writes);
    if (touchesTimers(writes)) this.#host.rearm();
  }

  /** Attempts an action-like step until it succeeds or its policy gives up; `waitFirst` when a backoff is under way. */
  async #attempts(seq: number, call: ActionCall, first: number, waitFirst: boolean): Promise<unknown> {
    const policy = resolveRetry(call.retry, this.#workflow.retry);
    let attempt = first;
    if (waitFirst) attempt = await this.#waitRetry(seq, attempt);
    for (;;) {
      const meter = new UsageMeter();
      const outcome = await this.#attemptOnce(seq, call, attempt, meter);
      // What the attempt reported goes with its outcome; reports after this are ignored.
      const usage = meter.close();
      if (this.#stopped) throw this.#stopped;
      const { clock } = this.#host;
      const transition = afterAttempt({ seq, name: call.name, attempt, outcome, policy, timed: call.timeout !== undefined, now: clock.now(), clock, usage });
      this.#apply(transition.writes);
      if (transition.next.type !== "retryLater") return this.#follow(seq, call, transition.next);
      if (!outcome.ok) {
        // What failed is the user's code: its code only, never its message (it may hold the run's data).
        log.info("step attempt failed; it is retried", {
          ...this.#stepFields(seq, call.name, attempt),
          error: loggedError(outcome.error, { withMessage: false }),
        });
      }
      attempt = await this.#waitRetry(seq, attempt);
    }
  }

  /** Waits for the retry timer (it moves the step back to running), then journals the next attempt's start. */
  async #waitRetry(seq: number, failed: number): Promise<number> {
    await this.#park(seq);
    if (this.#stopped) throw this.#stopped;
    const transition = retryDue(seq, failed, this.#host.clock.now());
    this.#apply(transition.writes);
    return failed + 1;
  }

  async #attemptOnce(
    seq: number,
    call: ActionCall,
    attempt: number,
    meter: UsageMeter,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: SerializedError }> {
    const abort = new AttemptAbort();
    this.#controllers.set(seq, abort);
    this.#apply(attemptStarted(seq, call.timeout, this.#host.clock.now()));
    this.#busy++;
    this.#host.ensureWatchdog();
    const { env, runId, registry } = this.#host;
    const ctx = attemptContext({ env, runId, seq, attempt, abort, reportUsage: (usage) => meter.report(usage) }, registry);
    let lease: SlotLease | undefined;
    try {
      if (call.pool !== undefined) {
        // The holder id is stable for this attempt: asking again after a crash keeps its place in line.
        lease = await abort.race(call.pool.acquire({ holderId: `${this.#host.runId}:${seq}:${attempt}`, signal: abort.signal }));
      }
      const fn = this.#instrumented(seq, call, attempt) ?? call.fn;
      // An action that ignores its signal still loses the race: the step moves on without it.
      return { ok: true, value: await abort.race(fn(ctx)) };
    } catch (err) {
      return { ok: false, error: toSerializedError(err) };
    } finally {
      this.#busy--;
      this.#controllers.delete(seq);
      if (lease !== undefined) {
        lease
          .release()
          .catch((err: unknown) =>
            log.error("releasing a pool slot failed; its lease will expire", { ...this.#stepFields(seq, call.name, attempt), error: loggedError(err) }),
          );
      }
    }
  }

  /** The stand-in an installed instrument (a test's mock) gives this attempt, if any. */
  #instrumented(seq: number, call: ActionCall, attempt: number): ActionCall["fn"] | undefined {
    const instrument = instrumentation()?.attempt;
    if (instrument === undefined || call.kind === "run" || call.target === undefined) return undefined;
    const { runId } = this.#host;
    return instrument({ kind: call.kind, target: call.target, step: call.name, args: call.args, runId, workflow: this.#workflow.name, seq, attempt });
  }

  /** What a log line about one attempt of a step says of it. */
  #stepFields(seq: number, step: string, attempt: number) {
    return { runId: this.#host.runId, workflow: this.#workflow.name, seq, step, attempt };
  }

  #park(seq: number): Promise<unknown> {
    const parked = new Promise((resolve, reject) => this.#waiters.set(seq, { resolve, reject }));
    // A parked step nobody awaits any more (the loser of a Promise.race) is rejected when the run
    // ends; mark it handled so that is not reported as an unhandled rejection.
    parked.catch(() => {});
    return parked;
  }

  /** A step lost a Promise.race (or its Promise.all failed): see `onLost`. */
  #abandon(seq: number): void {
    if (this.#stopped) return;
    const { store } = this.#host;
    const step = store.getStep(seq);
    const lost = onLost(step, this.#host.clock.now());
    if (lost.type === "early") this.#lostEarly.add(seq);
    else if (lost.type === "settle") this.settle(step!);
    else if (lost.type === "abandon") {
      this.#apply(lost.writes);
      this.settle(store.getStep(seq)!);
    }
  }

  #parkForChild(seq: number, childRunId: string, workflow: string, args: unknown): Promise<unknown> {
    const parked = this.#park(seq);
    this.#children.add(seq);
    this.#host.ensureWatchdog();
    this.#host.startChild(seq, childRunId, workflow, args);
    return parked;
  }
}
