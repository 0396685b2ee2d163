// The child runs of a run's `workflow` steps: starting them (again by the watchdog, after a crash),
// settling the step when a child ends, and the cancels a finished run owes its open children (kept in
// storage until each child confirms).
import { decodePayload, jsonColumn, log, loggedError, ok, rpcResult, toSerializedError, type RpcResult } from "../../kernel/index.ts";
import { ChildDetail } from "../core/journal.ts";
import { onChildOutcome } from "../core/step-machine.ts";
import { acrossObjects } from "../faults.ts";
import { instrumentation } from "../instrumentation.ts";
import { Outcome, type StartResult } from "./run-rpc.ts";
import type { RunState } from "./run-state.ts";

export class Children {
  readonly #state: RunState;
  /** Brings the handler to life if it is not (a child's outcome may reach an object that just woke). */
  readonly #live: () => void;

  constructor(state: RunState, live: () => void) {
    this.#state = state;
    this.#live = live;
  }

  /** Starts (idempotently) the child run of the `workflow` step at `seq`; settles the step if the child already ended. */
  start(seq: number, childRunId: string, workflow: string, args: unknown): void {
    const { env, runId } = this.#state;
    const standIn = instrumentation()?.child?.({ workflow, args, runId, seq, childRunId });
    if (standIn !== undefined) {
      void standIn.then(
        (outcome) => this.finished(seq, childRunId, outcome),
        (err: unknown) => this.finished(seq, childRunId, { status: "failed", error: toSerializedError(err) }),
      );
      return;
    }
    const stub = env.WORKFLOW_RUNS.getByName(childRunId);
    void acrossObjects("run.child", () => rpcResult<StartResult>(stub.start({ runId: childRunId, workflow, args, parent: { runId, seq } })))
      .then((r) => {
        if (!r.ok) this.finished(seq, childRunId, { status: "failed", error: r.error });
        else if (r.value.outcome !== undefined) this.finished(seq, childRunId, r.value.outcome);
      })
      .catch((err: unknown) =>
        log.error("starting a child run failed; the watchdog retries", {
          runId,
          workflow: this.#state.run?.workflow,
          seq,
          step: workflow,
          childRunId,
          error: loggedError(err),
        }),
      );
  }

  /** A child run ended; settles the parent's `workflow` step. Idempotent. */
  finished(seq: number, childRunId: string, raw: Outcome): RpcResult<{ settled: boolean }> {
    const outcome = Outcome.parse(raw);
    const { store, clock } = this.#state;
    if (this.#state.run?.status !== "running") return ok({ settled: false });
    const writes = onChildOutcome(store.getStep(seq), childRunId, outcome, clock.now());
    if (writes === null) return ok({ settled: false });
    store.apply(writes);
    this.#live();
    this.#state.execution?.settle(store.getStep(seq)!);
    return ok({ settled: true });
  }

  /** Starts every open child again (the watchdog's poll): a lost start or a lost outcome is repaired. */
  restartOpen(): void {
    const { execution, store } = this.#state;
    for (const seq of execution?.childSteps ?? []) {
      const step = store.getStep(seq);
      if (step?.status === "waiting") {
        const detail = jsonColumn(ChildDetail, step.detail, "steps.detail");
        this.start(seq, detail.childRunId, detail.workflow, decodePayload(step.args));
      }
    }
  }

  /** Sends every cancel still owed to a child; a confirmed one is crossed off. True when none is left. */
  async cancelOwed(): Promise<boolean> {
    const { env, store, runId } = this.#state;
    const workflow = this.#state.run?.workflow;
    const owed = store.childCancels();
    const results = await Promise.all(
      owed.map(async (c) => {
        try {
          const asChildOf = { childRunId: c.runId, parentRunId: runId, seq: c.parentSeq, workflow: c.workflow, args: c.args };
          const r = await acrossObjects("run.child", () => rpcResult<{ status: "canceled" }>(env.WORKFLOW_RUNS.getByName(c.runId).cancel({ asChildOf })));
          if (r.ok || r.error.code === "run.already_finished") {
            store.deleteChildCancel(c.runId);
            return true;
          }
          log.error("a child refused its cancel; retried on the next wake-up", {
            runId,
            workflow,
            seq: c.parentSeq,
            childRunId: c.runId,
            error: loggedError(r.error),
          });
        } catch (err) {
          log.error("canceling a child failed; retried on the next wake-up", {
            runId,
            workflow,
            seq: c.parentSeq,
            childRunId: c.runId,
            error: loggedError(err),
          });
        }
        return false;
      }),
    );
    return results.every(Boolean);
  }
}
