// The pool object's behaviour behind its RPC surface: one FIFO line and `maxParallelism` slots for a
// whole deployment. Holders (workflow steps, retried jobs) wait in line over long-polling acquire calls;
// queued jobs wait here as data and are handed to an action run when their turn comes.
import type { Registry } from "../../engine/index.ts";
import { type Clock, fail, issueDetails, jsonColumn, log, loggedError, ok, rpcResult, type RpcResult, tryEncode, unwrap } from "../../kernel/index.ts";
import { ActionRunSpec, type ActionRunView, type StartReply } from "../action-run/rpc.ts";
import { actionRunNamespace, workpoolNamespace } from "../bindings.ts";
import {
  alarmCutoff,
  dispatchRetryMs,
  effectiveMax,
  heartbeatEveryMs,
  leaseMs,
  planGrants,
  pollWaitMs,
  presenceMs,
  rearmTo,
  type PoolConfigInput,
  type PoolSettings,
} from "./core/queue.ts";
import { POOL_DIRECTORY } from "./directory.ts";
import { AcquireRequest, EnqueueRequest, HolderRequest, PoolFailure, SetMaxRequest, type AcquireResult, type PoolOverview, type PoolStats } from "./rpc.ts";
import { WorkpoolStore, type Entry, type JobRow } from "./store.ts";
import { invalid, jobView } from "./views.ts";

/** Handed-out jobs stay known this long, so a retried enqueue with the same id is not queued twice. */
const JOB_RETENTION_MS = 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** How many of the jobs that failed for good a pool keeps (the newest). */
export const RECENT_FAILURES = 20;

type Settings = PoolSettings & { name: string | null };

export class PoolDispatcher {
  readonly #ctx: DurableObjectState;
  readonly #env: Env;
  readonly #registry: Registry;
  readonly #clock: Clock;
  readonly #store: WorkpoolStore;
  #settings: Settings = { name: null, declaredMax: null, overrideMax: null, leaseMs: null };
  /** Acquire calls waiting in this instance, by holder: resolved with true when granted. */
  readonly #waiters = new Map<string, (granted: boolean) => void>();
  /** Dispatches in flight, by job id. */
  readonly #dispatching = new Map<string, Promise<void>>();
  #alarmAt: number | null = null;
  #prunedAt = 0;
  /** Whether the pools' directory lists this pool (stored once confirmed); the registration in flight. */
  #listed = false;
  #listing: Promise<void> | null = null;

  constructor(opts: { ctx: DurableObjectState; env: Env; registry: Registry; clock: Clock }) {
    const { ctx } = opts;
    this.#ctx = ctx;
    this.#env = opts.env;
    this.#registry = opts.registry;
    this.#clock = opts.clock;
    this.#store = new WorkpoolStore(ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      this.#store.migrate();
      const p = this.#store.pool();
      this.#settings = { name: p.name, declaredMax: p.declaredMax, overrideMax: p.overrideMax, leaseMs: p.leaseMs };
      // The stored time of the alarm we set, cleared when it rings: no later than the real one.
      this.#alarmAt = p.alarmAt;
      this.#listed = p.listed;
    });
  }

  // -- slots for holders -----------------------------------------------------------------------

  async acquire(raw: AcquireRequest): Promise<RpcResult<AcquireResult>> {
    const parsed = AcquireRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { holderId, pool, waitMs } = parsed.data;
    this.#configure(pool);
    const lease = leaseMs(this.#settings);
    const now = this.#clock.now();
    let entry = this.#store.entry(holderId);
    const earlier = entry === undefined ? this.#store.earlierAttempt(holderId) : undefined;
    if (earlier !== undefined) {
      // A later attempt of the same holder: the earlier one is over, so this one takes its place or slot.
      this.#store.rename(earlier.holder, holderId);
      this.#waiters.get(earlier.holder)?.(false);
      entry = this.#store.entry(holderId)!;
    }
    if (entry === undefined) {
      this.#store.enqueue({ holder: holderId, jobId: null, until: now + presenceMs(lease), now });
      this.#pump();
      entry = this.#store.entry(holderId)!;
    }
    if (entry.state === "queued") {
      this.#store.touch(holderId, now + presenceMs(lease));
    }
    if (entry.state !== "queued" || (await this.#wait(holderId, Math.min(waitMs ?? Infinity, pollWaitMs(lease))))) {
      return ok(this.#granted(holderId));
    }
    const after = this.#store.entry(holderId);
    if (after !== undefined && after.state !== "queued") return ok(this.#granted(holderId));
    return ok({ granted: false, position: after === undefined ? 0 : this.#store.ahead(after.pos) });
  }

  /** Renews a held slot's lease; answers how often to renew it (the lease length may have changed). */
  heartbeat(raw: HolderRequest): RpcResult<{ held: true; heartbeatMs: number } | { held: false }> {
    const parsed = HolderRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { holderId } = parsed.data;
    const entry = this.#store.entry(holderId);
    if (entry === undefined || entry.state === "queued") return ok({ held: false });
    return ok({ held: true, heartbeatMs: this.#granted(holderId).heartbeatMs });
  }

  /** Gives back a slot, or leaves the line. Idempotent. */
  release(raw: HolderRequest): RpcResult<{ released: boolean }> {
    const parsed = HolderRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { holderId } = parsed.data;
    const now = this.#clock.now();
    const entry = this.#store.transaction(() => {
      const e = this.#store.remove(holderId);
      if (e === undefined) return e;
      this.#store.count(e.state === "queued" ? "abandoned" : "released");
      if (e.jobId !== null && e.state === "dispatching") this.#store.setJobState(e.jobId, "dispatched", now);
      return e;
    });
    this.#waiters.get(holderId)?.(false);
    if (entry !== undefined) this.#pump();
    return ok({ released: entry !== undefined && entry.state !== "queued" });
  }

  // -- jobs ------------------------------------------------------------------------------------

  enqueue(raw: EnqueueRequest): RpcResult<{ jobId: string; created: boolean }> {
    const parsed = EnqueueRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { jobId, spec, pool } = parsed.data;
    this.#configure(pool);
    const action = this.#registry.callable(spec.action);
    if (action === undefined) return fail("action.not_registered", `nothing named "${spec.action}" is registered (createStepwise's modules)`);
    if (spec.onComplete !== undefined && this.#registry.callable(spec.onComplete.name) === undefined) {
      return fail("action.not_registered", `the onComplete "${spec.onComplete.name}" is not registered (createStepwise's modules)`);
    }
    const args = action.args.safeParse(spec.args);
    if (!args.success) {
      return fail("job.invalid_args", `invalid args for "${spec.action}"`, issueDetails(args.error));
    }
    const holder = `${jobId}:1`;
    if (this.#store.job(jobId) !== undefined || this.#store.entry(holder) !== undefined) return ok({ jobId, created: false });
    const encoded = tryEncode(spec, "the job");
    if (!encoded.ok) return encoded;
    const now = this.#clock.now();
    this.#store.transaction(() => {
      this.#store.insertJob({ jobId, spec: encoded.value!, now });
      this.#store.enqueue({ holder, jobId, until: null, now });
      this.#store.count("enqueued");
    });
    this.#pump();
    return ok({ jobId, created: true });
  }

  async jobStatus(jobId: string): Promise<RpcResult<ActionRunView>> {
    const job = this.#store.job(jobId);
    if (job?.state === "canceling") return ok(jobView(job, "canceled"));
    if (job?.state === "queued") {
      const entry = this.#store.entry(`${jobId}:1`);
      if (entry?.state === "queued") return ok({ ...jobView(job, "pending"), position: this.#store.ahead(entry.pos) });
    }
    const reply = await rpcResult<ActionRunView>(actionRunNamespace(this.#env).getByName(jobId).describe());
    if (!reply.ok && reply.error.code === "job.not_found" && job?.state === "queued") return ok(jobView(job, "pending"));
    return reply;
  }

  async cancelJob(jobId: string): Promise<RpcResult<{ status: "canceled" }>> {
    const job = this.#store.job(jobId);
    if (job?.state === "canceling" || job?.state === "canceled") return ok({ status: "canceled" });
    if (job?.state === "queued") {
      const entry = this.#store.entry(`${jobId}:1`);
      if (entry?.state === "queued") {
        const now = this.#clock.now();
        this.#store.transaction(() => {
          this.#store.remove(entry.holder);
          this.#store.setJobState(jobId, "canceling", now, now + dispatchRetryMs(leaseMs(this.#settings)));
          this.#store.count("canceled");
        });
        void this.#noticeCanceled(job);
        this.#pump();
        return ok({ status: "canceled" });
      }
      // Being handed to its action run right now: let that land, then cancel the run.
      if (entry?.state === "dispatching") await (this.#dispatching.get(jobId) ?? this.#dispatch(entry));
    }
    return rpcResult<{ status: "canceled" }>(actionRunNamespace(this.#env).getByName(jobId).cancel());
  }

  // -- settings --------------------------------------------------------------------------------

  setMaxParallelism(raw: SetMaxRequest): RpcResult<PoolStats> {
    const parsed = SetMaxRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    this.#configure(parsed.data.pool);
    this.#settings = { ...this.#settings, overrideMax: parsed.data.maxParallelism };
    this.#store.saveSettings(this.#settings);
    this.#pump();
    return this.stats();
  }

  stats(): RpcResult<PoolStats> {
    const p = this.#store.pool();
    return ok({
      name: this.#settings.name,
      maxParallelism: effectiveMax(this.#settings),
      declaredMaxParallelism: this.#settings.declaredMax,
      overrideMaxParallelism: this.#settings.overrideMax,
      leaseMs: leaseMs(this.#settings),
      inFlight: this.#store.inFlight(),
      queued: this.#store.queued(),
      enqueued: p.enqueued,
      granted: p.granted,
      released: p.released,
      expired: p.expired,
      abandoned: p.abandoned,
      canceled: p.canceled,
    });
  }

  // -- what the console shows ------------------------------------------------------------------

  /** From a job's action run, once the job failed for good. Idempotent (one row per job). */
  recordFailure(raw: PoolFailure): RpcResult<{ recorded: true }> {
    const parsed = PoolFailure.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    this.#store.addFailure(parsed.data, RECENT_FAILURES);
    return ok({ recorded: true });
  }

  overview(): RpcResult<PoolOverview> {
    return ok({
      name: this.#settings.name ?? "",
      maxParallelism: effectiveMax(this.#settings),
      queued: this.#store.queued(),
      inFlight: this.#store.inFlight(),
      recentFailures: this.#store.failures(),
    });
  }

  // -- alarm -----------------------------------------------------------------------------------

  async alarm(): Promise<void> {
    const now = this.#clock.now();
    const cutoff = alarmCutoff(now, this.#store.pool().alarmAt);
    this.#alarmAt = null; // the alarm that woke us is spent
    this.#store.saveAlarmAt(null);
    const lease = leaseMs(this.#settings);
    const expired = this.#store.transaction(() => {
      const gone = this.#store.takeExpired(cutoff);
      if (gone.length > 0) this.#store.count("expired", gone.length);
      return gone;
    });
    for (const e of expired)
      log.warn("a lease lapsed (its holder stopped renewing it); the slot is free again", { pool: this.#settings.name, holderId: e.holder });
    const sends: Promise<void>[] = [];
    for (const e of this.#store.dueDispatches(cutoff)) {
      this.#store.move(e.holder, ["dispatching"], "dispatching", now + dispatchRetryMs(lease), now);
      sends.push(this.#dispatch(e));
    }
    for (const j of this.#store.dueCancelNotices(cutoff)) {
      this.#store.setJobState(j.jobId, "canceling", now, now + dispatchRetryMs(lease));
      sends.push(this.#noticeCanceled(j));
    }
    this.#list();
    if (now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      this.#store.pruneJobs(now - JOB_RETENTION_MS);
    }
    this.#pump();
    await Promise.all(sends);
  }

  // -- internals -------------------------------------------------------------------------------

  /** Takes in what a caller's constructor declared; the latest value wins. */
  #configure(input: PoolConfigInput): void {
    const s = this.#settings;
    if (!this.#listed) this.#list(input.name);
    const next: Settings = {
      name: input.name,
      declaredMax: input.maxParallelism ?? s.declaredMax,
      overrideMax: s.overrideMax,
      leaseMs: input.leaseMs ?? s.leaseMs,
    };
    if (next.name === s.name && next.declaredMax === s.declaredMax && next.leaseMs === s.leaseMs) return;
    this.#settings = next;
    this.#store.saveSettings(next);
  }

  /**
   * Puts the pool in the pools' directory, once in its life: a stored flag says the directory confirmed
   * it, so after that no call pays for it. Until then every call (and alarm) tries again; not awaited.
   */
  #list(name = this.#settings.name): void {
    if (this.#listed || this.#listing !== null || name === null) return;
    const listing = (async () => {
      unwrap(await rpcResult(workpoolNamespace(this.#env).getByName(POOL_DIRECTORY).directoryAdd(name)));
      this.#store.markListed();
      this.#listed = true;
    })()
      .catch((err: unknown) =>
        log.error("listing a pool in the pools' directory failed; tried again on the next call", { pool: name, error: loggedError(err) }),
      )
      .finally(() => {
        if (this.#listing === listing) this.#listing = null;
      });
    this.#listing = listing;
  }

  /** Renews (or confirms) a granted slot and answers with its timings. */
  #granted(holderId: string): AcquireResult & { granted: true } {
    const lease = leaseMs(this.#settings);
    const now = this.#clock.now();
    const entry = this.#store.entry(holderId);
    this.#store.transaction(() => {
      this.#store.move(holderId, ["active", "dispatching"], "active", now + lease, now);
      if (entry?.jobId != null && entry.state === "dispatching") this.#store.setJobState(entry.jobId, "dispatched", now);
    });
    this.#rearm();
    return { granted: true, leaseMs: lease, heartbeatMs: heartbeatEveryMs(lease) };
  }

  #wait(holderId: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.#waiters.get(holderId)?.(false); // a newer call for the same holder takes over
      const timer = setTimeout(() => done(false), ms);
      const done = (granted: boolean) => {
        clearTimeout(timer);
        if (this.#waiters.get(holderId) === done) this.#waiters.delete(holderId);
        resolve(granted);
      };
      this.#waiters.set(holderId, done);
    });
  }

  /** Hands free slots to the head of the line, first in first out, and re-points the alarm. */
  #pump(): void {
    const max = effectiveMax(this.#settings);
    const lease = leaseMs(this.#settings);
    for (;;) {
      const free = max - this.#store.inFlight();
      if (free <= 0) break;
      const queue = this.#store.queueHead(free + 16);
      if (queue.length === 0) break;
      const now = this.#clock.now();
      const plan = planGrants({ free, queue, now, waiting: new Set(this.#waiters.keys()) });
      if (plan.grant.length === 0 && plan.drop.length === 0) break;
      this.#store.transaction(() => {
        for (const e of plan.drop) this.#store.remove(e.holder);
        if (plan.drop.length > 0) this.#store.count("abandoned", plan.drop.length);
        for (const e of plan.grant) {
          if (e.jobId === null) this.#store.move(e.holder, ["queued"], "active", now + lease, now);
          else this.#store.move(e.holder, ["queued"], "dispatching", now + dispatchRetryMs(lease), now);
        }
        if (plan.grant.length > 0) this.#store.count("granted", plan.grant.length);
      });
      for (const e of plan.grant) {
        if (e.jobId === null) this.#waiters.get(e.holder)?.(true);
        else void this.#dispatch(e);
      }
    }
    this.#rearm();
  }

  /** Hands a job whose turn came to its action run, which then holds the slot. Resent by the alarm until acknowledged. */
  #dispatch(entry: Entry): Promise<void> {
    const jobId = entry.jobId!;
    const inFlight = this.#dispatching.get(jobId);
    if (inFlight !== undefined) return inFlight;
    const sending = (async () => {
      const job = this.#store.job(jobId);
      if (job === undefined || job.spec === null) {
        // Already handed out (its run renews or released the slot): nothing to send.
        if (job?.state === "dispatched") {
          const now = this.#clock.now();
          this.#store.move(entry.holder, ["dispatching"], "active", now + leaseMs(this.#settings), now);
        }
        return;
      }
      const spec = jsonColumn(ActionRunSpec, job.spec, "jobs.spec");
      const lease = leaseMs(this.#settings);
      let reply: RpcResult<StartReply>;
      try {
        reply = await rpcResult<StartReply>(
          actionRunNamespace(this.#env)
            .getByName(jobId)
            .start({ id: jobId, spec, lease: { holderId: entry.holder, heartbeatMs: heartbeatEveryMs(lease) } }),
        );
      } catch (err) {
        log.error("handing a job to its action run failed; resent by the alarm", { pool: this.#settings.name, jobId, error: loggedError(err) });
        return;
      }
      const now = this.#clock.now();
      const holding = reply.ok && reply.value.holding;
      if (!reply.ok) log.error("a job was refused by its action run", { pool: this.#settings.name, jobId, error: loggedError(reply.error) });
      const freed = this.#store.transaction(() => {
        this.#store.setJobState(jobId, "dispatched", now);
        if (holding) {
          this.#store.move(entry.holder, ["dispatching"], "active", now + lease, now);
          return false;
        }
        const removed = this.#store.remove(entry.holder);
        if (removed !== undefined) this.#store.count("released");
        return removed !== undefined;
      });
      if (freed) this.#pump();
      else this.#rearm();
    })().finally(() => this.#dispatching.delete(jobId));
    this.#dispatching.set(jobId, sending);
    return sending;
  }

  /** Tells a job canceled while queued to its action run, which records it and runs onComplete. */
  async #noticeCanceled(job: JobRow): Promise<void> {
    if (job.spec === null) return;
    try {
      const spec = jsonColumn(ActionRunSpec, job.spec, "jobs.spec");
      const reply = await rpcResult<StartReply>(actionRunNamespace(this.#env).getByName(job.jobId).start({ id: job.jobId, spec, canceled: true }));
      if (!reply.ok) log.error("a job's action run refused its cancel", { pool: this.#settings.name, jobId: job.jobId, error: loggedError(reply.error) });
      this.#store.setJobState(job.jobId, "canceled", this.#clock.now());
      this.#rearm();
    } catch (err) {
      log.error("telling a job it was canceled failed; resent by the alarm", { pool: this.#settings.name, jobId: job.jobId, error: loggedError(err) });
    }
  }

  #rearm(): void {
    const change = rearmTo(this.#alarmAt, this.#store.earliestDeadline());
    if (change === null) return;
    this.#alarmAt = change.set;
    this.#store.saveAlarmAt(change.set);
    void this.#ctx.storage.setAlarm(change.set);
  }
}
