// How a run ends, and what it owes before it may sleep for good. The end is one transaction: the
// outcome, open steps canceled, timers cleared, a cancel owed to every open child. Then the side
// effects: children canceled, the parent told, onComplete run, the run index up to date. A crash in
// between leaves them owed; the watchdog brings the object back until all are done.
import { z } from "zod";
import { decodePayload, issueSummary, jsonColumn, log, loggedError, StepwiseError, tryEncode, type SerializedError } from "../../kernel/index.ts";
import type { AnyWorkflow, RunOutcome } from "../workflow-api.ts";
import { ChildDetail } from "../core/journal.ts";
import { cancelOpen } from "../core/step-machine.ts";
import { acrossObjects } from "../faults.ts";
import type { Alarms } from "./alarms.ts";
import type { Children } from "./children.ts";
import type { Repairs } from "./repairs.ts";
import type { FlowLines } from "./flow-lines.ts";
import { IndexOutbox } from "./index-outbox.ts";
import { OnCompleteRef, type Outcome, type RunCompletion } from "./run-rpc.ts";
import { withCalls } from "../function-calls.ts";
import type { RunState } from "./run-state.ts";
import type { RunRecord } from "./run-store.ts";

const ParentRef = z.object({ runId: z.string(), seq: z.number() });
const ErrorCode = z.object({ code: z.string() });

type RunEnd = { status: "completed" | "failed" | "canceled"; result: string | null; error: string | null };

export class Finishing {
  readonly #state: RunState;
  readonly #alarms: Alarms;
  readonly #children: Children;
  readonly #repairs: Repairs;
  readonly #index: IndexOutbox;
  readonly #lines: FlowLines;
  #afterFinish: Promise<void> | null = null;

  constructor(state: RunState, alarms: Alarms, children: Children, repairs: Repairs, lines: FlowLines) {
    this.#lines = lines;
    this.#state = state;
    this.#alarms = alarms;
    this.#children = children;
    this.#repairs = repairs;
    this.#index = new IndexOutbox(state.env, state.store);
  }

  /** The run row was (re)loaded: what the index confirmed is read with it. */
  loaded(): void {
    this.#index.load();
  }

  /** The run row was just inserted: the index has no entry of it yet. */
  created(): void {
    this.#index.forget();
  }

  /** The side effects of the end, while they run; null otherwise. */
  get pending(): Promise<void> | null {
    return this.#afterFinish;
  }

  /** The handler returned or threw: the run completes with its (checked) result, or fails. */
  async finish(outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError }): Promise<void> {
    if (!outcome.ok) return this.failRun(outcome.error);
    const workflow = this.#state.workflow();
    let value = outcome.result;
    if (workflow?.returns !== undefined) {
      const parsed = workflow.returns.safeParse(value);
      if (!parsed.success) {
        return this.failRun({ code: "run.invalid_result", message: `the handler's return value does not match "returns": ${issueSummary(parsed.error)}` });
      }
      value = parsed.data;
    }
    const result = tryEncode(value, "the run's result");
    if (!result.ok) return this.failRun(result.error);
    return this.end({ status: "completed", result: result.value, error: null });
  }

  failRun(error: SerializedError): Promise<void> {
    return this.end({ status: "failed", result: null, error: JSON.stringify({ code: error.code, message: error.message }) });
  }

  /** Ends the run in one transaction (see the header), stops the handler with `reason`, then the side effects. */
  async end(end: RunEnd, reason?: StepwiseError): Promise<void> {
    const state = this.#state;
    const { store, clock, watchdogMs } = state;
    if (state.run?.status !== "running") return;
    const open = store.openSteps();
    const now = clock.now();
    // A run with a parent or an onComplete (the workflow's or its caller's) owes them its outcome.
    const run = state.run;
    const notifies = run.parent !== null || run.onCompleteRef !== null || state.workflow()?.onComplete !== undefined;
    store.transaction(() => {
      // "pending" until the parent is told and onComplete has run; the watchdog brings the object back
      // to finish those after a crash. Nothing to tell: "done" at once, and no write for it later.
      store.finishRun({ ...end, onComplete: notifies ? "pending" : "done", now });
      for (const w of cancelOpen(open, now)) store.write(w);
      for (const s of open) {
        if (s.kind !== "workflow") continue;
        const { childRunId, workflow } = jsonColumn(ChildDetail, s.detail, "steps.detail");
        store.addChildCancel({ runId: childRunId, workflow, args: s.args, parentSeq: s.seq });
      }
      store.onlyWatchdog(now, now + watchdogMs);
      this.#lines.onEnd(now);
    });
    state.reload();
    state.ended();
    // From the run row already in memory: no extra read. A restarted run counts from its own start.
    log.info("run finished", {
      runId: state.run?.runId,
      workflow: state.run?.workflow,
      status: end.status,
      durationMs: state.run === undefined ? undefined : now - state.run.createdAt,
      error: end.error === null ? undefined : loggedError(jsonColumn(ErrorCode, end.error, "run.error"), { withMessage: false }),
    });
    state.execution?.stop(reason ?? new StepwiseError("run.finished", "the run has ended"));
    this.#alarms.rearm();
    if (this.#afterFinish === null) this.#afterFinish = this.#sideEffects();
    await this.#afterFinish;
  }

  /** What a finished run still owes before it may sleep for good. */
  owes(run: RunRecord): boolean {
    return (
      run.onComplete === "pending" ||
      !this.#index.isCurrent({ status: run.status, waitingFor: [] }) ||
      this.#state.store.childCancels().length > 0 ||
      this.#repairs.owesHandoff(run) ||
      run.flowState === "leave"
    );
  }

  /** A finished run that still owes side effects, and runs none now, starts them; one that owes none has an expiry. */
  resume(run: RunRecord): void {
    if (this.owes(run)) {
      if (this.#afterFinish === null) this.#afterFinish = this.#sideEffects();
      return;
    }
    // A run that ended before retention existed has no expiry yet: it gets one when it is next touched.
    if (run.expiresAt === null) {
      this.#repairs.scheduleExpiry();
      this.#alarms.rearm();
    }
  }

  /** Pushes the run's entry to the index if it changed (status, waits: see IndexOutbox); true when the index has it. */
  async syncIndex(): Promise<boolean> {
    const state = this.#state;
    const run = state.run;
    if (run === undefined) return false;
    const pushed = await this.#index.push(run, state.indexSnapshot(), state.clock.now());
    if (!pushed && state.run?.status === "running") this.#alarms.ensureWatchdog();
    return pushed;
  }

  /**
   * Cancels the open children, tells the parent, runs onComplete, records both done, then brings the
   * index up to date. Re-run by the watchdog (after a crash, or while a child has not confirmed).
   */
  async #sideEffects(): Promise<void> {
    const state = this.#state;
    try {
      // A macrotask first: what the end released in this turn (a held start's answer, a read waiting for
      // the end) leaves the object's thread before these calls and writes, which would hold it back
      // (each commit's fsync runs on that thread). In wrangler dev a held start of a run that ends at once
      // answered in 15.0-15.6 ms this way, against 16.5-18.3 ms (20 runs each, four alternated rounds).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const childrenDone = await this.#children.cancelOwed();
      if (state.run!.onComplete === "pending") {
        await this.#notifyAndComplete(state.run!, state.workflow(), state.outcome()!);
        state.run = state.store.markOnCompleteDone(state.clock.now());
      }
      // A restart that did not reach its new run is handed over again.
      if (this.#repairs.owesHandoff(state.run!)) await this.#repairs.handOff();
      const handedOff = !this.#repairs.owesHandoff(state.run!);
      // A slot or place in the workflow's line goes back, so the next run in line starts.
      const left = await this.#lines.leave();
      // The outcome must reach the index before the object may sleep until its retention ends.
      if ((await this.syncIndex()) && childrenDone && handedOff && left) {
        state.store.deleteAllTimers();
        this.#repairs.scheduleExpiry();
      }
      this.#alarms.rearm();
    } finally {
      this.#afterFinish = null;
    }
  }

  /**
   * Tells the parent run, then calls onComplete. Never throws: a lost parent notice only delays the
   * parent (its watchdog polls), and onComplete is not retried.
   */
  async #notifyAndComplete(run: RunRecord, workflow: AnyWorkflow | undefined, outcome: Outcome): Promise<void> {
    const { env } = this.#state;
    if (run.parent !== null) {
      const parent = jsonColumn(ParentRef, run.parent, "run.parent");
      try {
        await acrossObjects("run.parent", () => env.WORKFLOW_RUNS.getByName(parent.runId).childFinished(parent.seq, run.runId, outcome));
      } catch (err) {
        log.error("notifying the parent run failed; its watchdog polls", {
          runId: run.runId,
          workflow: run.workflow,
          parentRunId: parent.runId,
          error: loggedError(err),
        });
      }
    }
    if (workflow?.onComplete !== undefined) {
      const publicOutcome: RunOutcome =
        outcome.status === "failed" ? { status: "failed", error: { code: outcome.error.code, message: outcome.error.message } } : outcome;
      try {
        await workflow.onComplete(
          { env, runId: run.runId, workflow: run.workflow, idempotencyKey: `${run.runId}:onComplete` },
          publicOutcome,
          decodePayload(run.args),
        );
      } catch (err) {
        // User code: its name and code only, never its message (it may hold the run's data).
        log.error("onComplete threw; it is not retried", { runId: run.runId, workflow: run.workflow, error: loggedError(err, { withMessage: false }) });
      }
    }
    if (run.onCompleteRef !== null) await this.#callersOnComplete(run, outcome);
  }

  /** The onComplete the caller gave with the start: a registered function, called with `RunCompletion` args. */
  async #callersOnComplete(run: RunRecord, outcome: Outcome): Promise<void> {
    const { env, registry } = this.#state;
    const ref = jsonColumn(OnCompleteRef, run.onCompleteRef, "run.on_complete_ref");
    const result: RunCompletion["result"] =
      outcome.status === "completed"
        ? { kind: "success", returnValue: outcome.result }
        : outcome.status === "failed"
          ? { kind: "failed", error: outcome.error.message, code: outcome.error.code }
          : { kind: "canceled" };
    try {
      const def = registry.callable(ref.name);
      if (def === undefined) throw new StepwiseError("action.not_registered", `the onComplete "${ref.name}" is no longer registered`);
      const args = def.args.parse({ workflowId: run.runId, result, context: ref.context } satisfies RunCompletion);
      const ctx = withCalls(
        { env, runId: run.runId, seq: -1, attempt: 1, signal: new AbortController().signal, idempotencyKey: `${run.runId}:onComplete:${def.name}` },
        registry,
      );
      await def.handler(ctx, args);
    } catch (err) {
      log.error("the caller's onComplete threw; it is not retried", {
        runId: run.runId,
        workflow: run.workflow,
        function: ref.name,
        error: loggedError(err, { withMessage: false }),
      });
    }
  }
}
