// The schedule object's behaviour behind its RPC surface and its alarm. Every command that fires or
// changes the schedule runs one at a time (calls to runs open the input gate, so an alarm and a
// trigger could otherwise interleave), and each ends by arming the alarm for what comes next.
import type { Registry } from "../../engine/index.ts";
import { type Clock, fail, issueDetails, log, loggedError, ok, rpcResult, type RpcResult } from "../../kernel/index.ts";
import { SCHEDULE_DIRECTORY, scheduleNamespace } from "./bindings.ts";
import { dueInstants, nextInstant, parseCron, planCatchUp } from "./core/index.ts";
import { Firing } from "./firing.ts";
import { PutRequest, type ScheduleView, type TriggerResult } from "./rpc.ts";
import { RECENT_FIRES, ScheduleStore, type ScheduleSource, type ScheduleState } from "./store.ts";

/** While an instant is buffered, the alarm also rings this often to check on the live run (onComplete's fallback). */
export const BUFFER_POLL_MS = 60_000;
/** A start that failed for now is tried again this soon. */
export const RETRY_MS = 5_000;

export class ScheduleHost {
  readonly #ctx: DurableObjectState;
  readonly #env: Env;
  readonly #clock: Clock;
  readonly #store: ScheduleStore;
  readonly #firing: Firing;
  #chain: Promise<unknown> = Promise.resolve();
  /** Commands in flight; and whether a run ended meanwhile, so the alarm must ring at once. */
  #busy = 0;
  #wake = false;

  constructor(opts: { ctx: DurableObjectState; env: Env; registry: Registry; clock: Clock }) {
    this.#ctx = opts.ctx;
    this.#env = opts.env;
    this.#clock = opts.clock;
    this.#store = new ScheduleStore(opts.ctx.storage);
    this.#firing = new Firing({ store: this.#store, env: opts.env, registry: opts.registry, clock: opts.clock });
    void opts.ctx.blockConcurrencyWhile(async () => this.#store.migrate());
  }

  get store(): ScheduleStore {
    return this.#store;
  }

  put(raw: PutRequest): Promise<RpcResult<{ schedule: ScheduleView; changed: boolean }>> {
    return this.#serial(async () => {
      const parsed = PutRequest.safeParse(raw);
      if (!parsed.success) return fail("request.invalid", "invalid schedule", issueDetails(parsed.error));
      const { spec, source, hash, mode } = parsed.data;
      const now = this.#clock.now();
      const current = this.#store.state();
      if (current !== undefined && mode === "create") return fail("schedule.name_taken", `a schedule named "${spec.name}" exists already`);
      const changed = current === undefined || current.hash !== hash || current.source !== source;
      if (current === undefined) this.#store.create({ spec, source, hash, now });
      else if (changed) this.#store.updateSpec({ spec, source, hash, now });
      await this.#list(source);
      await this.#arm();
      return ok({ schedule: this.#view(), changed });
    });
  }

  describe(): RpcResult<ScheduleView> {
    if (this.#store.state() === undefined) return fail("schedule.not_found", "no such schedule");
    return ok(this.#view());
  }

  pause(): Promise<RpcResult<ScheduleView>> {
    return this.#setPaused(true);
  }

  resume(): Promise<RpcResult<ScheduleView>> {
    return this.#setPaused(false);
  }

  /** Fires now, as a manual instant: the overlap policy applies; the cron's own instants are untouched. */
  trigger(): Promise<RpcResult<TriggerResult>> {
    return this.#serial(async () => {
      if (this.#store.state() === undefined) return fail("schedule.not_found", "no such schedule");
      const fired = await this.#firing.fire(this.#clock.now(), true);
      await this.#arm();
      return ok(fired);
    });
  }

  remove(opts: { force: boolean }): Promise<RpcResult<{ deleted: true }>> {
    return this.#serial(async () => {
      const state = this.#store.state();
      if (state === undefined) return fail("schedule.not_found", "no such schedule");
      if (state.source === "code" && opts.force !== true) {
        return fail("schedule.defined_in_code", `"${state.spec.name}" is defined in code (defineSchedule): remove it there, or pause it`);
      }
      await this.#ctx.storage.deleteAlarm();
      this.#store.clear();
      await rpcResult(scheduleNamespace(this.#env).getByName(SCHEDULE_DIRECTORY).directoryRemove(state.spec.name));
      return ok({ deleted: true as const });
    });
  }

  /**
   * A run this schedule started has ended. Never waits behind a command in flight: that command may be
   * the cancel (cancel_previous) whose run is calling in here, and would wait for this call in turn.
   * Then the alarm is set to now instead, and the command's own re-arm keeps it so.
   */
  async runEnded(runId: string): Promise<RpcResult<{ started: string | null }>> {
    const state = this.#store.state();
    if (state === undefined || state.bufferedInstant === null || state.lastRunId !== String(runId) || state.paused) return ok({ started: null });
    if (this.#busy > 0) {
      this.#wake = true;
      await this.#ctx.storage.setAlarm(this.#clock.now());
      return ok({ started: null });
    }
    return this.#serial(async () => {
      const started = await this.#firing.startBuffered(true);
      await this.#arm();
      return ok({ started });
    });
  }

  alarm(): Promise<void> {
    return this.#serial(async () => {
      try {
        await this.#tick();
      } finally {
        await this.#arm();
      }
    });
  }

  // -- the alarm's work -------------------------------------------------------------------------

  async #tick(): Promise<void> {
    const state = this.#store.state();
    if (state === undefined) return;
    if (!state.listed) await this.#list(state.source);
    // First what a crash left owed, so no instant is decided twice.
    for (const owed of this.#store.owed()) await this.#firing.perform(owed);
    if (state.paused) return;
    if (state.bufferedInstant !== null) await this.#firing.startBuffered(false);
    const now = this.#clock.now();
    const { spec } = state;
    const cron = parseCron(spec.cron, spec.timezone);
    const { instants } = dueInstants(cron, this.#store.state()!.lastInstant, now, RECENT_FIRES + spec.catchUpLimit);
    const plan = planCatchUp({ instants, now, catchUp: spec.catchUp, limit: spec.catchUpLimit });
    if (plan.missed.length > 0) {
      this.#store.transaction(() => {
        for (const instant of plan.missed) {
          this.#store.addFire({ instant, manual: false, runId: null, outcome: "missed", action: null, previousRunId: null, error: null, at: now });
        }
        this.#store.setLastInstant(plan.missed.at(-1)!);
      });
    }
    for (const instant of plan.fire) await this.#firing.fire(instant, false);
  }

  /** Sets the alarm to the next instant (sooner while an instant is buffered or a start is owed); none while paused. */
  async #arm(): Promise<void> {
    const state = this.#store.state();
    if (state === undefined || state.paused) {
      this.#store.setNextAt(null);
      await this.#ctx.storage.deleteAlarm();
      return;
    }
    const now = this.#clock.now();
    const next = nextInstant(parseCron(state.spec.cron, state.spec.timezone), Math.max(state.lastInstant, now));
    let at = next ?? Number.POSITIVE_INFINITY;
    if (state.bufferedInstant !== null) at = Math.min(at, now + BUFFER_POLL_MS);
    if (this.#store.owed().length > 0 || !state.listed) at = Math.min(at, now + RETRY_MS);
    if (this.#wake) at = now;
    this.#wake = false;
    this.#store.setNextAt(next);
    if (Number.isFinite(at)) await this.#ctx.storage.setAlarm(at);
    else await this.#ctx.storage.deleteAlarm();
  }

  #setPaused(paused: boolean): Promise<RpcResult<ScheduleView>> {
    return this.#serial(async () => {
      if (this.#store.state() === undefined) return fail("schedule.not_found", "no such schedule");
      this.#store.setPaused(paused, this.#clock.now());
      await this.#arm();
      return ok(this.#view());
    });
  }

  /** Makes sure the directory lists this schedule; a failure is tried again by the next alarm. */
  async #list(source: ScheduleSource): Promise<void> {
    const state = this.#store.state();
    if (state === undefined) return;
    try {
      const reply = await rpcResult(scheduleNamespace(this.#env).getByName(SCHEDULE_DIRECTORY).directoryPut(state.spec.name, source));
      this.#store.setListed(reply.ok);
    } catch (err) {
      this.#store.setListed(false);
      log.error("the schedules' directory could not list a schedule", { schedule: state.spec.name, error: loggedError(err) });
    }
  }

  #view(): ScheduleView {
    const s = this.#store.state() as ScheduleState;
    return {
      ...s.spec,
      source: s.source,
      paused: s.paused,
      nextFireAt: s.paused ? null : s.nextAt,
      lastInstant: s.lastInstant,
      lastRunId: s.lastRunId,
      bufferedInstant: s.bufferedInstant,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      recentFires: this.#store.fires().map((f) => ({
        instant: f.instant,
        manual: f.manual,
        runId: f.runId,
        outcome: f.outcome,
        pending: f.action !== null,
        error: f.error,
        at: f.at,
      })),
    };
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const counted = async () => {
      this.#busy++;
      try {
        return await fn();
      } finally {
        this.#busy--;
      }
    };
    const run = this.#chain.then(counted, counted);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
