// One instant, fired: the overlap decision against the previous run's status, recorded before any call
// (a fire row that owes its cancel or start), then the calls, then the row settled. A crash between the
// two leaves the row owed, and the next alarm finishes it: the run id is the instant's, so a start made
// twice makes one run.
import { createClient, StepwiseError, type Registry } from "../../engine/index.ts";
import { type Clock, log, loggedError } from "../../kernel/index.ts";
import { decideOverlap, scheduleRunId } from "./core/index.ts";
import { RUN_ENDED } from "./run-ended.ts";
import type { FireRecord, FireOutcome, ScheduleState, ScheduleStore } from "./store.ts";

const FINISHED = new Set(["completed", "failed", "canceled"]);

/** Refusals a later attempt would meet again: the fire is recorded as failed instead of owed. */
const FOR_GOOD = new Set(["workflow.not_found", "workflow.version_not_found", "run.invalid_args", "action.not_registered", "request.invalid"]);

export interface Fired {
  runId: string | null;
  outcome: FireOutcome;
}

export class Firing {
  readonly #store: ScheduleStore;
  readonly #env: Env;
  readonly #registry: Registry;
  readonly #clock: Clock;

  constructor(opts: { store: ScheduleStore; env: Env; registry: Registry; clock: Clock }) {
    this.#store = opts.store;
    this.#env = opts.env;
    this.#registry = opts.registry;
    this.#clock = opts.clock;
  }

  /** Fires `instant` (a cron instant, or now for a manual trigger) under the overlap policy. */
  async fire(instant: number, manual: boolean): Promise<Fired> {
    const state = this.#state();
    const previousLive = state.lastRunId !== null && (await this.#isLive(state.lastRunId));
    const decision = decideOverlap(state.spec.overlap, { previousLive, buffered: state.bufferedInstant !== null });
    const runId = scheduleRunId(state.spec.name, instant, manual);
    const at = this.#clock.now();
    const base = { instant, manual, previousRunId: null, error: null, at };
    const fire = this.#store.transaction(() => {
      if (!manual) this.#store.setLastInstant(instant);
      switch (decision) {
        case "skip":
          this.#store.addFire({ ...base, runId: null, outcome: "skipped", action: null });
          return undefined;
        case "buffer":
          this.#store.addFire({ ...base, runId, outcome: "buffered", action: null });
          this.#store.setBuffered({ instant, runId });
          return undefined;
        case "start":
        case "cancel_previous": {
          const row = { ...base, runId, outcome: decision === "start" ? "started" : "canceled_previous", action: decision } as const;
          const cancel = decision === "cancel_previous" ? { previousRunId: state.lastRunId } : {};
          const seq = this.#store.addFire({ ...row, ...cancel });
          // The next instant (of this same alarm, too) sees this run as the previous one.
          this.#store.setLastRunId(runId);
          return { seq, ...row, ...cancel } as FireRecord;
        }
      }
    });
    if (fire === undefined) return { runId: decision === "buffer" ? runId : null, outcome: decision === "buffer" ? "buffered" : "skipped" };
    return this.perform(fire);
  }

  /** Starts the buffered instant if the run it waits for has ended (`ended`: its onComplete says so). */
  async startBuffered(ended: boolean): Promise<string | null> {
    const state = this.#state();
    if (state.bufferedInstant === null || state.bufferedRunId === null) return null;
    if (!ended && state.lastRunId !== null && (await this.#isLive(state.lastRunId))) return null;
    const runId = state.bufferedRunId;
    const instant = state.bufferedInstant;
    const fire = this.#store.transaction((): FireRecord => {
      this.#store.setBuffered(null);
      this.#store.setLastRunId(runId);
      const started = { runId, outcome: "started", action: "start" } as const;
      const row = this.#store.fires().find((f) => f.runId === runId && f.outcome === "buffered");
      if (row !== undefined) {
        this.#store.settle(row.seq, started);
        return { ...row, ...started };
      }
      // Newer fires pushed the buffered row out of the history: record the start anew.
      const fresh = { instant, manual: false, previousRunId: null, error: null, at: this.#clock.now(), ...started };
      return { ...fresh, seq: this.#store.addFire(fresh) };
    });
    await this.perform(fire);
    return runId;
  }

  /** The calls a fire row owes: cancel the previous run (if asked), then start its run; settles the row. */
  async perform(fire: FireRecord): Promise<Fired> {
    const state = this.#state();
    const client = createClient(this.#env, this.#registry);
    const runId = fire.runId!;
    try {
      if (fire.action === "cancel_previous" && fire.previousRunId !== null) {
        await client.cancelRun(fire.previousRunId).catch((err: unknown) => {
          // Ended meanwhile, or gone: nothing left to cancel.
          if (err instanceof StepwiseError && (err.code === "run.already_finished" || err.code === "run.not_found")) return;
          throw err;
        });
      }
      await client.startRun(state.spec.workflow, state.spec.args, { runId, onComplete: { name: RUN_ENDED, context: { schedule: state.spec.name } } });
    } catch (err) {
      if (err instanceof StepwiseError && FOR_GOOD.has(err.code)) {
        this.#store.settle(fire.seq, { outcome: "failed", runId: null, error: `${err.code}: ${err.message}` });
        log.error("a schedule could not start its run", { schedule: state.spec.name, runId, code: err.code });
        return { runId: null, outcome: "failed" };
      }
      // Left owed: the next alarm (armed soon) tries again, with the same run id.
      log.error("a schedule's start failed; it is tried again", { schedule: state.spec.name, runId, error: loggedError(err) });
      return { runId, outcome: fire.outcome };
    }
    this.#store.settle(fire.seq, { outcome: fire.outcome, runId });
    return { runId, outcome: fire.outcome };
  }

  /** Whether the run is live; a run that cannot be read (gone, or unreachable) counts as ended or live as its error says. */
  async #isLive(runId: string): Promise<boolean> {
    try {
      const run = await createClient(this.#env, this.#registry).getRun(runId, { steps: "none" });
      return !FINISHED.has(run.status);
    } catch (err) {
      if (err instanceof StepwiseError && err.code === "run.not_found") return false;
      // Unknown: assume live, so a skip or a buffer never overlaps a run that is in fact still going.
      log.error("a schedule could not read its previous run", { runId, error: loggedError(err) });
      return true;
    }
  }

  #state(): ScheduleState {
    const state = this.#store.state();
    if (state === undefined) throw new StepwiseError("schedule.not_found", "the schedule was deleted");
    return state;
  }
}
