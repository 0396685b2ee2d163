// A run's side of flow control (flow.ts): before it exists, whether its workflow's rate limit lets it
// start and whether a debounce folds it into an open burst; once stored, its place in its line. The
// line is durable in its pool; the run's own row says where it stands, so a step it owes (joining the
// line, leaving it when it ends) is taken up again after a crash by the watchdog.
import { fail, jsonColumn, log, loggedError, ok, StepwiseError, type RpcResult } from "../../kernel/index.ts";
import { AdmitInput, FlowLine, flowKey, flowLine, flowPoolName, hasFlowControl } from "../flow.ts";
import type { AnyWorkflow } from "../workflow-api.ts";
import { acrossObjects } from "../faults.ts";
import type { Alarms } from "./alarms.ts";
import type { RunState } from "./run-state.ts";
import type { QueuePlace } from "./run-view.ts";

export class FlowLines {
  readonly #state: RunState;
  readonly #alarms: Alarms;
  readonly #live: () => void;
  #enqueuing: Promise<void> | null = null;

  constructor(state: RunState, alarms: Alarms, live: () => void) {
    this.#state = state;
    this.#alarms = alarms;
    this.#live = live;
  }

  /**
   * Before a new run is stored: a rate limit refuses it (`run.rate_limited`) or takes a start from its
   * window; a debounce with an open burst answers the burst's run id (`joined`). Otherwise the line the
   * run will wait in, if any.
   */
  async admit(workflow: AnyWorkflow, args: unknown, runId: string, encodedArgs: string | null): Promise<RpcResult<{ line: FlowLine | null; joined?: string }>> {
    if (!hasFlowControl(workflow)) return ok({ line: null });
    const { gates, env } = this.#state;
    if (gates === undefined) return fail("flow.unavailable", `the workflow "${workflow.name}" declares flow control, but no Workpool binding holds its lines`);
    try {
      const rate = workflow.rateLimit;
      if (rate !== undefined) {
        const pool = await flowPoolName(workflow.name, "rateLimit", flowKey(rate, args, "rateLimit"));
        const taken = await gates.take(env, { pool, limit: rate.limit, periodMs: rate.period }, runId);
        if (!taken.ok) return taken;
        if (!taken.value.taken) {
          const { retryAfterMs } = taken.value;
          return fail(
            "run.rate_limited",
            `the workflow "${workflow.name}" allows ${rate.limit} starts per ${rate.period} ms; the next frees in ${retryAfterMs} ms`,
            {
              retryAfterMs,
            },
          );
        }
      }
      const line = await flowLine(workflow.name, workflow, args);
      if (line?.kind === "debounce") {
        const burst = await gates.debounce(env, { pool: line.pool, limit: 1, periodMs: line.periodMs!, maxWaitMs: line.maxWaitMs }, runId, encodedArgs ?? "");
        if (!burst.ok) return burst;
        if (burst.value.runId !== runId) return ok({ line, joined: burst.value.runId });
      }
      return ok({ line });
    } catch (err) {
      // A key expression that failed, or a missing binding: said with its own code.
      if (err instanceof StepwiseError) return { ok: false, error: { code: err.code, message: err.message } };
      throw err;
    }
  }

  /** The line the stored run waits in (null: none). */
  line(): FlowLine | null {
    const flow = this.#state.run?.flow ?? null;
    return flow === null ? null : jsonColumn(FlowLine, flow, "run.flow");
  }

  /** Whether the run waits in its line: its handler does not start until the pool admits it. */
  waiting(): boolean {
    const run = this.#state.run;
    return run?.status === "running" && (run.flowState === "enqueue" || run.flowState === "queued");
  }

  /**
   * Joins the line the stored run waits in: admitted at once when a slot is free, else queued with its
   * place. A debounced run's burst is its line already. Not confirmed (the pool did not answer): owed,
   * and the watchdog brings the object back to try again.
   */
  enqueue(): Promise<void> {
    this.#enqueuing ??= this.#enqueue().finally(() => {
      this.#enqueuing = null;
    });
    return this.#enqueuing;
  }

  async #enqueue(): Promise<void> {
    const state = this.#state;
    const line = this.line();
    if (line === null || state.run?.flowState !== "enqueue") return;
    const now = () => state.clock.now();
    if (line.kind === "debounce") {
      state.store.setFlowState("queued", now(), { type: "run.queued", data: { kind: line.kind, key: line.key } });
      state.reload();
      return;
    }
    try {
      const reply = await acrossObjects("run.flow", () =>
        state.gates!.enqueue(state.env, { pool: line.pool, limit: line.limit, holdMs: line.holdMs }, state.runId),
      );
      if (!reply.ok) throw StepwiseError.fromJSON(reply.error);
      // The run may have ended (canceled) while the pool answered: then it leaves the line instead.
      if (state.run?.flowState !== "enqueue") return;
      if (reply.value.admitted) state.store.setFlowState("admitted", now());
      else state.store.setFlowState("queued", now(), { type: "run.queued", data: { kind: line.kind, key: line.key, position: reply.value.position } });
      state.reload();
    } catch (err) {
      log.error("joining the workflow's line failed; tried again by the watchdog", {
        runId: state.runId,
        workflow: state.run?.workflow,
        error: loggedError(err),
      });
      this.#alarms.ensureWatchdog();
    }
  }

  /**
   * The pool admits the run (its turn came, or its debounce burst ended): its handler starts, with the
   * burst's last args for a debounced run. Idempotent: the pool repeats it until it is answered.
   * `holding`: whether the run now holds a slot of the line (which the pool then keeps for it).
   */
  admitted(raw: AdmitInput): RpcResult<{ holding: boolean }> {
    const state = this.#state;
    const input = AdmitInput.safeParse(raw);
    if (!input.success) return fail("request.invalid", "invalid admission");
    const run = state.run;
    if (run === undefined) return fail("run.not_found", "no such run");
    const line = this.line();
    if (line === null || line.pool !== input.data.pool) return fail("run.not_queued", "the run does not wait in that line");
    if (run.status !== "running") return ok({ holding: false });
    if (run.flowState === "admitted") return ok({ holding: line.kind !== "debounce" });
    if (!this.waiting()) return ok({ holding: false });
    const now = state.clock.now();
    state.store.transaction(() => {
      if (input.data.args !== undefined) state.store.replaceArgs(input.data.args);
      state.store.setFlowState("admitted", now, { type: "run.admitted", data: { kind: line.kind, waitedMs: now - (run.queuedAt ?? now) } });
    });
    state.reload();
    this.#live();
    return ok({ holding: line.kind !== "debounce" });
  }

  /** A waiting run's place, asked of its pool. */
  async place(): Promise<QueuePlace | undefined> {
    const state = this.#state;
    const line = this.line();
    const run = state.run;
    if (line === null || run === undefined || !this.waiting()) return undefined;
    const place: QueuePlace = { kind: line.kind, key: line.key, since: run.queuedAt ?? run.createdAt, position: null, dueAt: null };
    try {
      const reply = await state.gates!.position(state.env, line.pool, run.runId);
      if (reply.ok) {
        place.position = reply.value.position;
        place.dueAt = reply.value.dueAt;
      }
    } catch (err) {
      log.warn("asking a run's pool for its place failed", { runId: run.runId, error: loggedError(err) });
    }
    return place;
  }

  /**
   * The run ended (in the end's transaction): a run still in line, or holding a concurrency slot, owes
   * the pool its leaving; a throttle's slot runs out by itself.
   */
  onEnd(now: number): void {
    const run = this.#state.run;
    const line = this.line();
    if (run === undefined || line === null || run.flowState === "done" || run.flowState === "leave") return;
    const holds = run.flowState !== "admitted" || line.kind === "concurrency";
    this.#state.store.setFlowState(holds ? "leave" : "done", now);
  }

  /** Whether the ended run still owes its pool its leaving. */
  owes(): boolean {
    return this.#state.run?.flowState === "leave";
  }

  /** Leaves the line or gives back the slot; true once the pool confirmed it. */
  async leave(): Promise<boolean> {
    const state = this.#state;
    const line = this.line();
    if (line === null || !this.owes()) return true;
    try {
      const reply = await acrossObjects("run.flow", () => state.gates!.leave(state.env, line.pool, state.runId));
      if (!reply.ok) throw StepwiseError.fromJSON(reply.error);
      state.store.setFlowState("done", state.clock.now());
      state.reload();
      return true;
    } catch (err) {
      log.error("leaving the workflow's line failed; tried again by the watchdog", { runId: state.runId, error: loggedError(err) });
      return false;
    }
  }
}
