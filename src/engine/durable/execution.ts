// One live run of a workflow handler in the object's memory: assigns sequence numbers, replays the
// journal after a restart, executes steps and parks the ones blocked on timers, signals or children.
import { z } from "zod";
import type { ActionContext, AnyWorkflow } from "../define.ts";
import { decodePayload, encodePayload, SerializedError, StepwiseError, toSerializedError } from "../../kernel/index.ts";
import { matchStep, nonDeterminism, type JournalEntry } from "../core/journal.ts";
import { backoffDelay, rerunsInterrupted, resolveRetry, shouldRetry, type RetryPolicy } from "../core/retry.ts";
import { CombinatorWatch } from "../core/combinators.ts";
import { createStepContext, type SlotLease, type StepCall } from "../step-context.ts";
import type { RunStore } from "./run-store.ts";

/** What the execution needs from the object that hosts it. */
export interface ExecutionHost {
  readonly env: Env;
  readonly runId: string;
  readonly store: RunStore;
  now(): number;
  random(): number;
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

/** Steps between two turns given back to the event loop. */
const YIELD_EVERY = 32;

type Waiter = { resolve: (value: unknown) => void; reject: (err: unknown) => void };

function abandonedError(seq: number): SerializedError {
  return { code: "step.abandoned", message: `step ${seq} lost a Promise.race (or its Promise.all failed) and stopped waiting`, retryable: false };
}

export const SignalDetail = z.object({ signal: z.string(), timeoutAt: z.number().nullable() });
export const ChildDetail = z.object({ childRunId: z.string(), workflow: z.string() });

export class HandlerExecution {
  readonly #host: ExecutionHost;
  readonly #workflow: AnyWorkflow;
  readonly #args: unknown;
  /** Journal rows not yet reached by a replaying handler; empty for a run that never lost its memory. */
  readonly #replay = new Map<number, JournalEntry>();
  readonly #waiters = new Map<number, Waiter>();
  readonly #controllers = new Map<number, AbortController>();
  readonly #policies = new Map<number, RetryPolicy>();
  #nextSeq = 0;
  #sinceYield = 0;
  #stopped: StepwiseError | null = null;
  /** Steps executing user code or starting a child: what the watchdog guards and `settled()` waits out. */
  #busy = 0;
  /** Open child-workflow steps: the watchdog keeps polling them. */
  readonly #children = new Set<number>();
  #finishing: Promise<void> | null = null;
  /** Steps that lost a race before they were journaled: they are journaled abandoned. */
  readonly #lostEarly = new Set<number>();
  readonly #combinators = new CombinatorWatch((seqs) => {
    for (const seq of seqs) this.#abandon(seq);
  });
  readonly replayedSteps: number;

  readonly #onReplayed: () => void;

  constructor(host: ExecutionHost, workflow: AnyWorkflow, args: unknown, journal: JournalEntry[], onReplayed: () => void = () => {}) {
    this.#host = host;
    this.#onReplayed = onReplayed;
    this.#workflow = workflow;
    this.#args = args;
    for (const r of journal) this.#replay.set(r.seq, r);
    this.replayedSteps = journal.length;
  }

  /** Runs the handler to its end; the host is told the outcome. Never rejects. */
  start(): Promise<void> {
    const step = createStepContext(this.#host.runId, (call) => {
      // Sequence numbers follow call order, so take one before anything can interleave.
      const seq = this.#nextSeq++;
      return this.#combinators.watch(this.#execute(seq, call), [seq]);
    });
    this.#finishing = (async () => {
      let outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError };
      try {
        outcome = { ok: true, result: await this.#workflow.handler(step, this.#args) };
      } catch (err) {
        outcome = { ok: false, error: toSerializedError(err, "run.handler_failed") };
      }
      if (this.#stopped) return;
      const leftover = [...this.#replay.keys()].sort((a, b) => a - b)[0];
      if (leftover !== undefined) {
        const r = this.#replay.get(leftover)!;
        await this.#host.failRun(nonDeterminism(leftover, `${r.kind} "${r.name}"`, "no step (the handler returned)").toJSON());
        return;
      }
      await this.#host.finish(outcome);
    })();
    return this.#finishing;
  }

  get stopped(): boolean {
    return this.#stopped !== null;
  }

  /** True when nothing runs: every open step waits on a timer, a signal or a child. */
  get idle(): boolean {
    return this.#busy === 0;
  }

  get executing(): number {
    return this.#busy;
  }

  get childSteps(): number[] {
    return [...this.#children];
  }

  /** Stops the handler: waits reject with `reason`, in-flight actions see their signal abort. */
  stop(reason: StepwiseError): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    for (const c of this.#controllers.values()) c.abort(reason);
    for (const w of this.#waiters.values()) w.reject(reason);
    this.#waiters.clear();
    this.#children.clear();
  }

  // -- settling parked steps (called by the host after it journaled the transition) -------------

  /** A parked step finished (timer, signal or child). Resolves its waiter, or updates the replay copy. */
  settle(record: JournalEntry): void {
    const waiter = this.#waiters.get(record.seq);
    if (record.kind === "workflow") this.#children.delete(record.seq);
    if (waiter === undefined) {
      if (this.#replay.has(record.seq)) this.#replay.set(record.seq, record);
      return;
    }
    this.#waiters.delete(record.seq);
    if (record.status === "completed") waiter.resolve(decodePayload(record.result));
    else if (record.status === "running") waiter.resolve(undefined); // a retry backoff ended
    else waiter.reject(StepwiseError.fromJSON(SerializedError.parse(JSON.parse(record.error ?? "{}"))));
  }

  /** A step's timeout timer fired: abort its attempt. */
  timeoutStep(seq: number, timeoutMs: number | null): void {
    this.#controllers.get(seq)?.abort(new StepwiseError("step.timeout", `step ${seq} timed out${timeoutMs ? ` after ${timeoutMs} ms` : ""}`, { retryable: true }));
  }

  // -- the step executor -----------------------------------------------------------------------

  async #execute(seq: number, call: StepCall): Promise<unknown> {
    if (this.#stopped) throw this.#stopped;
    // A handler of many quick steps runs on microtasks alone, which would keep the isolate from
    // serving anything else (other runs, reads, signals) until it ends: give way every so often.
    if (++this.#sinceYield >= YIELD_EVERY) {
      this.#sinceYield = 0;
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.#stopped) throw this.#stopped;
    }
    const journaled = this.#replay.get(seq);
    if (journaled !== undefined) {
      this.#replay.delete(seq);
      if (this.#replay.size === 0) this.#onReplayed();
    }
    const decision = matchStep(seq, call, journaled);
    switch (decision.type) {
      case "mismatch":
        await this.#host.failRun(decision.error.toJSON());
        throw decision.error;
      case "resolve":
        return decodePayload(decision.record.result);
      case "reject":
        throw StepwiseError.fromJSON(SerializedError.parse(JSON.parse(decision.record.error ?? "{}")));
      case "resume":
        return this.#resume(seq, call, decision.record);
      case "abandoned":
        // It lost its race before: it settles as it did then, rejected when its race settles again.
        return this.#park(seq);
      case "execute":
        if (this.#lostEarly.delete(seq) && (call.kind === "sleep" || call.kind === "signal")) return this.#freshAbandoned(seq, call);
        return this.#fresh(seq, call);
    }
  }

  #fresh(seq: number, call: StepCall): Promise<unknown> {
    const { store } = this.#host;
    const now = this.#host.now();
    switch (call.kind) {
      case "now":
      case "random":
      case "uuid": {
        const value = call.kind === "now" ? now : call.kind === "random" ? this.#host.random() : crypto.randomUUID();
        store.insertStep({ seq, name: call.name, kind: call.kind, status: "completed", attempts: 1, args: null, result: JSON.stringify(value), now, completedAt: now });
        return Promise.resolve(value);
      }
      case "sleep": {
        const wakeAt = "afterMs" in call.wake ? now + call.wake.afterMs : call.wake.at;
        if (wakeAt <= now) {
          store.insertStep({ seq, name: call.name, kind: "sleep", status: "completed", attempts: 1, args: null, now, completedAt: now, wakeAt });
          return Promise.resolve(undefined);
        }
        store.transaction(() => {
          store.insertStep({ seq, name: call.name, kind: "sleep", status: "sleeping", attempts: 1, args: null, now, wakeAt });
          store.setTimer("sleep", seq, wakeAt);
        });
        this.#host.rearm();
        return this.#park(seq);
      }
      case "signal": {
        const timeoutAt = call.timeout === undefined ? null : now + Math.max(0, call.timeout);
        const detail = JSON.stringify({ signal: call.name, timeoutAt });
        const consumed = store.transaction(() => {
          const pending = store.pendingSignalFor(call.name, seq);
          if (pending !== undefined) {
            store.consumeSignal(pending.id, seq);
            store.insertStep({ seq, name: call.name, kind: "signal", status: "completed", attempts: 1, args: null, result: pending.payload, now, completedAt: now, detail });
            return { payload: pending.payload };
          }
          store.insertStep({ seq, name: call.name, kind: "signal", status: "waiting", attempts: 1, args: null, now, wakeAt: timeoutAt, detail });
          if (timeoutAt !== null) store.setTimer("signal_timeout", seq, timeoutAt);
          return null;
        });
        if (consumed !== null) return Promise.resolve(decodePayload(consumed.payload));
        if (timeoutAt !== null) this.#host.rearm();
        return this.#park(seq);
      }
      case "workflow": {
        const encoded = this.#encodeOrFail(seq, call, () => encodePayload(call.args, `args of child workflow "${call.name}"`));
        if (encoded instanceof StepwiseError) return Promise.reject(encoded);
        const childRunId = `${this.#host.runId}.${seq}`;
        store.insertStep({ seq, name: call.name, kind: "workflow", status: "waiting", attempts: 1, args: encoded, now, detail: JSON.stringify({ childRunId, workflow: call.workflow.name }) });
        return this.#parkForChild(seq, childRunId, call.workflow.name, call.args);
      }
      case "action":
      case "mutation":
      case "run": {
        const encoded = this.#encodeOrFail(seq, call, () => encodePayload(call.args, `args of step "${call.name}"`));
        if (encoded instanceof StepwiseError) return Promise.reject(encoded);
        store.insertStep({ seq, name: call.name, kind: call.kind, status: "running", attempts: 1, args: encoded, now });
        return this.#attempts(seq, call, 1, false);
      }
    }
  }

  #resume(seq: number, call: StepCall, record: JournalEntry): Promise<unknown> {
    switch (call.kind) {
      case "sleep":
        return this.#park(seq);
      case "signal": {
        // Signals are delivered into waiting steps as they arrive; one buffered by an engine that still
        // matched in memory (before a deploy) is taken here.
        const claimed = this.#claimBuffered(seq, call.name);
        return claimed === undefined ? this.#park(seq) : Promise.resolve(decodePayload(claimed.result));
      }
      case "workflow": {
        const detail = ChildDetail.parse(JSON.parse(record.detail ?? "{}"));
        return this.#parkForChild(seq, detail.childRunId, detail.workflow, call.args);
      }
      case "action":
      case "mutation":
      case "run":
        if (record.status === "retrying") return this.#attempts(seq, call, record.attempts, true);
        // `running` with n attempts: attempt n was interrupted by a crash or eviction (or its backoff
        // ended while the object was down and it never started). Either way it runs again as attempt
        // n+1, unless attempt n was the last one an interrupted step gets.
        if (!rerunsInterrupted(resolveRetry(call.retry, this.#workflow.retry), record.attempts)) {
          return Promise.reject(this.#fail(seq, { code: "step.interrupted", message: `attempt ${record.attempts} of step "${call.name}" was cut off (a crash, an eviction or a deploy) and the step has no attempts left`, retryable: false }));
        }
        this.#host.store.updateStep(seq, { status: "running", attempts: record.attempts + 1 });
        return this.#attempts(seq, call, record.attempts + 1, false);
      default:
        // now/random/uuid are journaled complete in the same write that creates them.
        return Promise.reject(new StepwiseError("step.corrupt_journal", `step ${seq} (${call.kind}) is open in the journal`));
    }
  }

  /** Attempts an action-like step until it succeeds or its policy gives up. */
  async #attempts(seq: number, call: Extract<StepCall, { kind: "action" | "mutation" | "run" }>, firstAttempt: number, waitFirst: boolean): Promise<unknown> {
    const { store } = this.#host;
    const policy = resolveRetry(call.retry, this.#workflow.retry);
    this.#policies.set(seq, policy);
    let attempt = firstAttempt;
    if (waitFirst) {
      await this.#park(seq); // the retry timer moves the step back to running
      attempt = this.#startRetry(seq, attempt);
    }
    for (;;) {
      const outcome = await this.#attemptOnce(seq, call, attempt);
      if (this.#stopped) throw this.#stopped;
      const now = this.#host.now();
      let error: SerializedError;
      if (outcome.ok) {
        let result: string | null | StepwiseError;
        try {
          result = encodePayload(outcome.value, `result of step "${call.name}"`);
        } catch (err) {
          result = err instanceof StepwiseError ? err : new StepwiseError("step.payload_not_serializable", String(err));
        }
        if (!(result instanceof StepwiseError)) {
          const encoded = result;
          store.transaction(() => {
            store.updateStep(seq, { status: "completed", result: encoded, completedAt: now });
            if (call.timeout !== undefined) store.deleteTimer("step_timeout", seq);
          });
          if (call.timeout !== undefined) this.#host.rearm();
          this.#policies.delete(seq);
          return outcome.value;
        }
        error = result.toJSON();
      } else {
        error = outcome.error;
      }
      if (shouldRetry(policy, attempt, error.retryable ?? false)) {
        const wakeAt = now + backoffDelay(policy, attempt, this.#host.random());
        store.transaction(() => {
          store.updateStep(seq, { status: "retrying", error: JSON.stringify(error), wakeAt });
          store.deleteTimer("step_timeout", seq);
          store.setTimer("retry", seq, wakeAt);
        });
        this.#host.rearm();
        await this.#park(seq);
        attempt = this.#startRetry(seq, attempt);
        continue;
      }
      this.#policies.delete(seq);
      throw this.#fail(seq, error);
    }
  }

  /** Journals the step as failed with `error` (its timers go with it); returns the error to throw. */
  #fail(seq: number, error: SerializedError): StepwiseError {
    const { store } = this.#host;
    store.transaction(() => {
      store.updateStep(seq, { status: "failed", error: JSON.stringify(error), completedAt: this.#host.now() });
      store.deleteStepTimers(seq);
    });
    this.#host.rearm();
    return StepwiseError.fromJSON(error);
  }

  /** Journals the start of the attempt after `failed` ones, so a crash inside it counts it. */
  #startRetry(seq: number, failed: number): number {
    if (this.#stopped) throw this.#stopped;
    this.#host.store.updateStep(seq, { status: "running", attempts: failed + 1 });
    return failed + 1;
  }

  async #attemptOnce(seq: number, call: Extract<StepCall, { kind: "action" | "mutation" | "run" }>, attempt: number): Promise<{ ok: true; value: unknown } | { ok: false; error: SerializedError }> {
    const controller = new AbortController();
    this.#controllers.set(seq, controller);
    if (call.timeout !== undefined) {
      this.#host.store.setTimer("step_timeout", seq, this.#host.now() + call.timeout);
      this.#host.rearm();
    }
    this.#busy++;
    this.#host.ensureWatchdog();
    const ctx: ActionContext = {
      env: this.#host.env,
      runId: this.#host.runId,
      seq,
      attempt,
      signal: controller.signal,
      idempotencyKey: `${this.#host.runId}:${seq}`,
    };
    let lease: SlotLease | undefined;
    try {
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => {});
      if (call.pool !== undefined) {
        // The holder id is stable for this attempt: asking again after a crash keeps its place in line.
        lease = await Promise.race([call.pool.acquire({ holderId: `${this.#host.runId}:${seq}:${attempt}`, signal: controller.signal }), aborted]);
      }
      // An action that ignores its signal still loses the race: the step moves on without it.
      return { ok: true, value: await Promise.race([Promise.resolve().then(() => call.fn(ctx)), aborted]) };
    } catch (err) {
      return { ok: false, error: toSerializedError(err) };
    } finally {
      this.#busy--;
      this.#controllers.delete(seq);
      if (lease !== undefined) {
        lease.release().catch((err: unknown) => console.error(`run ${this.#host.runId}: releasing a pool slot failed (its lease will expire): ${String(err)}`));
      }
    }
  }

  /** A step whose args could not be journaled fails, journaled as failed so a replay agrees. */
  #encodeOrFail(seq: number, call: StepCall, encode: () => string | null): string | null | StepwiseError {
    try {
      return encode();
    } catch (err) {
      const error = err instanceof StepwiseError ? err : new StepwiseError("step.payload_not_serializable", String(err));
      const now = this.#host.now();
      this.#host.store.insertStep({ seq, name: call.name, kind: call.kind, status: "failed", attempts: 0, args: null, error: JSON.stringify(error.toJSON()), now, completedAt: now });
      return error;
    }
  }

  #park(seq: number): Promise<unknown> {
    const parked = new Promise((resolve, reject) => this.#waiters.set(seq, { resolve, reject }));
    // A parked step nobody awaits any more (the loser of a Promise.race) is rejected when the run
    // ends; mark it handled so that is not reported as an unhandled rejection.
    parked.catch(() => {});
    return parked;
  }

  /** A waiting signal step takes a signal buffered for it, in one transaction; its journal row after. */
  #claimBuffered(seq: number, name: string): JournalEntry | undefined {
    const { store } = this.#host;
    const record = store.transaction(() => {
      const pending = store.pendingSignalFor(name, seq);
      return pending === undefined ? undefined : store.deliverSignal(pending, seq, this.#host.now());
    });
    if (record !== undefined) this.#host.rearm();
    return record;
  }

  /**
   * A step lost a Promise.race (or its Promise.all failed): a sleep or signal wait still open stops, so
   * it takes no signal and holds no timer, and its promise rejects with `step.abandoned`. Other kinds
   * run to their end; nobody reads them.
   */
  #abandon(seq: number): void {
    if (this.#stopped) return;
    const { store } = this.#host;
    const step = store.getStep(seq);
    if (step === undefined) {
      // Not journaled yet (its call is still giving the event loop a turn): it is journaled abandoned.
      this.#lostEarly.add(seq);
      return;
    }
    if (step.status === "abandoned") return this.settle(step);
    if (!((step.kind === "sleep" && step.status === "sleeping") || (step.kind === "signal" && step.status === "waiting"))) return;
    const record = store.transaction(() => {
      store.updateStep(seq, { status: "abandoned", error: JSON.stringify(abandonedError(seq)), completedAt: this.#host.now() });
      store.deleteStepTimers(seq);
      return store.getStep(seq)!;
    });
    this.#host.rearm();
    this.settle(record);
  }

  /** A sleep or wait that lost its race before it was journaled: journaled abandoned, never started. */
  #freshAbandoned(seq: number, call: Extract<StepCall, { kind: "sleep" | "signal" }>): Promise<unknown> {
    const now = this.#host.now();
    const error = abandonedError(seq);
    const detail = call.kind === "signal" ? JSON.stringify({ signal: call.name, timeoutAt: null }) : null;
    this.#host.store.insertStep({ seq, name: call.name, kind: call.kind, status: "abandoned", attempts: 0, args: null, error: JSON.stringify(error), now, completedAt: now, detail });
    return Promise.reject(StepwiseError.fromJSON(error));
  }

  #parkForChild(seq: number, childRunId: string, workflow: string, args: unknown): Promise<unknown> {
    const parked = this.#park(seq);
    this.#children.add(seq);
    this.#host.ensureWatchdog();
    this.#host.startChild(seq, childRunId, workflow, args);
    return parked;
  }
}
