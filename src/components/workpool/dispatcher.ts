// The pool object's behaviour behind its RPC surface: one FIFO line and `maxParallelism` slots for a
// whole deployment. Holders (workflow steps, retried jobs) wait in line over long-polling acquire calls;
// queued jobs wait here as data and are handed to an action run when their turn comes.
import { acrossObjects, type Registry } from "../../engine/index.ts";
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
  isLinePool,
  rearmTo,
  runHolder,
  type PoolConfigInput,
  type PoolSettings,
} from "./core/queue.ts";
import { POOL_DIRECTORY } from "./directory.ts";
import {
  AcquireRequest,
  DebounceRequest,
  EnqueueRequest,
  EnqueueRunRequest,
  HolderRequest,
  PoolFailure,
  SetMaxRequest,
  TakeRequest,
  type AcquireResult,
  type PoolOverview,
  type PoolStats,
} from "./rpc.ts";
import { WorkpoolStore, type Entry, type JobRow } from "./store.ts";
import { invalid, jobView } from "./views.ts";

/** Handed-out jobs stay known this long, so a retried enqueue with the same id is not queued twice. */
const JOB_RETENTION_MS = 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;
/** A debounced run's admission is sent again this often until the run answers (its start may still be on its way). */
const BURST_RESEND_MS = 250;
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

  // -- workflow runs in line (flow control) -----------------------------------------------------

  /**
   * A run joins its workflow's line: admitted at once when a slot is free and nobody waits ahead, else
   * queued, and admitted (the pool calls its `admit`) when its turn comes. Idempotent by run id.
   */
  enqueueRun(raw: EnqueueRunRequest): RpcResult<{ admitted: boolean; position: number }> {
    const parsed = EnqueueRunRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { pool, runId, holdMs } = parsed.data;
    this.#configureLine(pool);
    const holder = runHolder(runId);
    const known = this.#store.entry(holder);
    if (known !== undefined)
      return ok(known.state === "queued" ? { admitted: false, position: this.#store.ahead(known.pos) } : { admitted: true, position: 0 });
    const now = this.#clock.now();
    if (this.#store.queued() === 0 && this.#store.inFlight() < effectiveMax(this.#settings)) {
      this.#store.transaction(() => {
        this.#store.insertActive({ holder, runId, until: holdMs === null ? null : now + holdMs, holdMs, now });
        this.#store.count("enqueued");
        this.#store.count("granted");
      });
      this.#rearm();
      return ok({ admitted: true, position: 0 });
    }
    this.#store.transaction(() => {
      this.#store.enqueue({ holder, jobId: null, until: null, now, runId, holdMs });
      this.#store.count("enqueued");
    });
    this.#pump();
    const entry = this.#store.entry(holder);
    return ok({ admitted: false, position: entry === undefined || entry.state !== "queued" ? 0 : this.#store.ahead(entry.pos) });
  }

  /** A rate limit: the start takes a slot that runs out after the period, or is told when the next frees. */
  takeStart(raw: TakeRequest): RpcResult<{ taken: true } | { taken: false; retryAfterMs: number }> {
    const parsed = TakeRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { pool, runId, periodMs } = parsed.data;
    this.#configureLine(pool);
    const holder = runHolder(runId);
    if (this.#store.entry(holder) !== undefined) return ok({ taken: true });
    const now = this.#clock.now();
    // Windows that ran out free their slots now, whether or not the alarm has rung yet.
    this.#store.takeExpired(now);
    if (this.#store.inFlight() >= effectiveMax(this.#settings)) {
      return ok({ taken: false, retryAfterMs: Math.max(1, (this.#store.earliestSlotEnd() ?? now + 1) - now) });
    }
    this.#store.transaction(() => {
      this.#store.insertActive({ holder, runId, until: now + periodMs, holdMs: periodMs, now });
      this.#store.count("granted");
    });
    this.#rearm();
    return ok({ taken: true });
  }

  /**
   * A debounce: the start joins the open burst (whose run id answers; its args become the last, and it
   * is due `periodMs` later, at most `maxWaitMs` after it opened), or opens one for its own run.
   */
  debounceRun(raw: DebounceRequest): RpcResult<{ runId: string; created: boolean }> {
    const parsed = DebounceRequest.safeParse(raw);
    if (!parsed.success) return invalid(parsed.error);
    const { pool, runId, args, periodMs, maxWaitMs } = parsed.data;
    this.#configureLine(pool);
    const now = this.#clock.now();
    const open = this.#store.openBurst();
    if (open !== undefined && open.runId !== runId) {
      const dueAt = Math.min(now + periodMs, maxWaitMs === null ? Infinity : open.firstAt + maxWaitMs);
      this.#store.extendBurst(open.runId, args, dueAt);
      return ok({ runId: open.runId, created: false });
    }
    if (open === undefined && this.#store.burst(runId) === undefined) this.#store.openNewBurst({ runId, args, now, dueAt: now + periodMs });
    this.#rearm();
    return ok({ runId, created: true });
  }

  runPlace(runId: string): RpcResult<{ position: number | null; dueAt: number | null }> {
    const burst = this.#store.burst(runId);
    if (burst !== undefined) return ok({ position: 0, dueAt: burst.state === "open" ? burst.dueAt : null });
    const entry = this.#store.entry(runHolder(runId));
    return ok({ position: entry?.state === "queued" ? this.#store.ahead(entry.pos) : null, dueAt: null });
  }

  leaveRun(runId: string): RpcResult<{ left: boolean }> {
    const dropped = this.#store.deleteBurst(runId);
    const released = this.release({ holderId: runHolder(runId) });
    if (!released.ok) return released;
    return ok({ left: dropped || released.value.released });
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
      const lapsed = gone.filter((e) => e.runId === null).length;
      if (lapsed > 0) this.#store.count("expired", lapsed);
      return gone;
    });
    // A throttle's or rate limit's slot runs out by design; only a holder's lapsed lease is news.
    for (const e of expired)
      if (e.runId === null)
        log.warn("a lease lapsed (its holder stopped renewing it); the slot is free again", { pool: this.#settings.name, holderId: e.holder });
    const sends: Promise<void>[] = [];
    for (const e of this.#store.dueDispatches(cutoff)) {
      this.#store.move(e.holder, ["dispatching"], "dispatching", now + dispatchRetryMs(lease), now);
      sends.push(this.#dispatch(e));
    }
    for (const b of this.#store.dueBursts(cutoff)) {
      this.#store.closeBurst(b.runId, now + BURST_RESEND_MS);
      sends.push(this.#closeBurst(b.runId, b.args));
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

  /** A workflow's line: its rule's limit is the pool's (the latest start's wins); lines stay out of the pools' directory. */
  #configureLine(pool: { name: string; maxParallelism: number }): void {
    const s = this.#settings;
    if (s.name === pool.name && s.declaredMax === pool.maxParallelism) return;
    this.#settings = { ...s, name: pool.name, declaredMax: pool.maxParallelism };
    this.#store.saveSettings(this.#settings);
  }

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
    if (this.#listed || this.#listing !== null || name === null || isLinePool(name)) return;
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
          if (e.jobId === null && e.runId === null) this.#store.move(e.holder, ["queued"], "active", now + lease, now);
          else this.#store.move(e.holder, ["queued"], "dispatching", now + dispatchRetryMs(lease), now);
        }
        if (plan.grant.length > 0) this.#store.count("granted", plan.grant.length);
      });
      for (const e of plan.grant) {
        if (e.jobId === null && e.runId === null) this.#waiters.get(e.holder)?.(true);
        else void this.#dispatch(e);
      }
    }
    this.#rearm();
  }

  /** Hands a job whose turn came to its action run, which then holds the slot. Resent by the alarm until acknowledged. */
  #dispatch(entry: Entry): Promise<void> {
    if (entry.runId !== null) return this.#admitRun(entry);
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
      this.#handedOver(entry.holder, holding, now + lease, now, () => this.#store.setJobState(jobId, "dispatched", now));
    })().finally(() => this.#dispatching.delete(jobId));
    this.#dispatching.set(jobId, sending);
    return sending;
  }

  /** Tells a run whose turn came that it may start; it then holds the slot (until it ends, or the hold runs out). Resent by the alarm until answered. */
  #admitRun(entry: Entry): Promise<void> {
    const runId = entry.runId!;
    const inFlight = this.#dispatching.get(entry.holder);
    if (inFlight !== undefined) return inFlight;
    const sending = (async () => {
      let reply: RpcResult<{ holding: boolean }>;
      try {
        reply = await acrossObjects("flow.admit", () =>
          rpcResult<{ holding: boolean }>(this.#env.WORKFLOW_RUNS.getByName(runId).admit({ pool: this.#settings.name ?? "" })),
        );
      } catch (err) {
        log.error("admitting a run from its line failed; resent by the alarm", { pool: this.#settings.name, runId, error: loggedError(err) });
        return;
      }
      const now = this.#clock.now();
      if (!reply.ok) log.error("a run refused its admission; its slot is freed", { pool: this.#settings.name, runId, error: loggedError(reply.error) });
      const holding = reply.ok && reply.value.holding;
      this.#handedOver(entry.holder, holding, entry.holdMs === null ? null : now + entry.holdMs, now);
    })().finally(() => this.#dispatching.delete(entry.holder));
    this.#dispatching.set(entry.holder, sending);
    return sending;
  }

  /**
   * A job's run or an admitted run answered its handover: holding, its slot stays taken until `until`
   * (null: until given back); not, the slot frees and the line moves. `also` joins the same transaction.
   */
  #handedOver(holder: string, holding: boolean, until: number | null, now: number, also?: () => void): void {
    const freed = this.#store.transaction(() => {
      also?.();
      if (holding) {
        this.#store.move(holder, ["dispatching"], "active", until, now);
        return false;
      }
      const removed = this.#store.remove(holder);
      if (removed !== undefined) this.#store.count("released");
      return removed !== undefined;
    });
    if (freed) this.#pump();
    else this.#rearm();
  }

  /** A debounce burst ended: its run starts with the last args. Sent again by the alarm until the run answers. */
  async #closeBurst(runId: string, args: string): Promise<void> {
    try {
      const reply = await acrossObjects("flow.admit", () =>
        rpcResult<{ holding: boolean }>(this.#env.WORKFLOW_RUNS.getByName(runId).admit({ pool: this.#settings.name ?? "", args })),
      );
      // The run is not stored yet (its start is still on its way): the alarm sends it again.
      if (!reply.ok && reply.error.code === "run.not_found") return;
      if (!reply.ok)
        log.error("a debounced run refused its admission; the burst is dropped", { pool: this.#settings.name, runId, error: loggedError(reply.error) });
      this.#store.deleteBurst(runId);
    } catch (err) {
      log.error("admitting a debounced run failed; resent by the alarm", { pool: this.#settings.name, runId, error: loggedError(err) });
    } finally {
      this.#rearm();
    }
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
