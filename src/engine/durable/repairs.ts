// Repairing and evolving a run from outside: restart (a new run linked to this one, keeping the steps
// before a chosen one), pause and resume, and the end of retention. A restart is a handoff between two
// objects: the old run stores what it owes (restart_pending) before it asks the new one to adopt its
// kept journal, and the watchdog repeats the ask after a crash until the new run confirms.
import { fail, issueDetails, issueSummary, jsonColumn, log, loggedError, ok, rpcResult, type RpcResult } from "../../kernel/index.ts";
import type { StepRecord } from "../core/journal.ts";
import { versionOf } from "../registry.ts";
import { acrossObjects } from "../faults.ts";
import type { Alarms } from "./alarms.ts";
import { indexShard, indexShardFor } from "./index-shards.ts";
import { AdoptInput, RestartInput, RUN_ID_PATTERN, type RestartResult } from "./run-rpc.ts";
import type { RunState } from "./run-state.ts";
import { RestartPending, WATCHDOG_SEQ, type RunRecord } from "./run-store.ts";
import type { RunView } from "./run-view.ts";

/** Step outcomes a restart may keep: the step ended by itself (a failure the handler caught, a lost race). */
const SETTLED = new Set(["completed", "failed", "abandoned"]);

/** How often a finished run whose parent still runs asks again whether it may be deleted. */
const PARENT_RECHECK_MS = 60 * 60 * 1000;

export interface RepairHost {
  /** Brings the handler to life if the run is unfinished and nothing runs it here. */
  live(): void;
  /** The run's status changed: event streams and the index hear of it. */
  changed(): void;
}

export class Repairs {
  readonly #state: RunState;
  readonly #alarms: Alarms;
  readonly #host: RepairHost;

  constructor(state: RunState, alarms: Alarms, host: RepairHost) {
    this.#state = state;
    this.#alarms = alarms;
    this.#host = host;
  }

  // -- restart ---------------------------------------------------------------------------------

  /**
   * Restarts a finished run as a new run, `${root}:r${n}`, that keeps this run's steps before `fromStep`
   * (see RestartInput) and executes from there on, on this run's version or the one asked for.
   */
  async restart(raw: RestartInput): Promise<RpcResult<RestartResult>> {
    const state = this.#state;
    const run = state.run;
    if (run === undefined) return fail("run.not_found", "no such run");
    const input = RestartInput.safeParse(raw ?? {});
    if (!input.success) return fail("request.invalid", `invalid restart request: ${issueSummary(input.error)}`, issueDetails(input.error));
    if (run.status === "running") return fail("run.not_finished", `the run is live (${state.status()}): only an ended run can be restarted`);
    const owed = run.restartPending === null ? null : jsonColumn(RestartPending, run.restartPending, "run.restart_pending");
    const successor = run.restartedAs ?? owed?.runId;
    if (successor !== undefined) {
      return fail("run.already_restarted", `the run was restarted already as "${successor}": restart that one`, { restartedAs: successor });
    }
    const from = this.#fromStep(input.data.fromStep);
    if (!from.ok) return from;
    const version = input.data.version ?? run.version;
    if (state.registry.get(run.workflow, version) === undefined) {
      return fail(
        "workflow.version_not_found",
        `the workflow "${run.workflow}" has no version ${version} registered (${describeVersions(state.registry.versions(run.workflow).map(versionOf))})`,
        { issues: [{ path: ["version"], message: "not registered" }] },
      );
    }
    const pending: RestartPending = { runId: restartId(run.runId), fromStep: from.value, version };
    if (!RUN_ID_PATTERN.test(pending.runId)) return fail("run.restart_conflict", `the run id is too long to take a restart suffix ("${pending.runId}")`);
    const now = state.clock.now();
    state.store.transaction(() => {
      state.store.setRestartPending(pending, now);
      // Kept until the new run confirms; the watchdog asks again after a crash.
      state.store.setTimer("watchdog", WATCHDOG_SEQ, now + state.watchdogMs);
    });
    state.reload();
    this.#alarms.rearm();
    const handed = await this.handOff();
    if (!handed.ok) return handed;
    return ok({ runId: pending.runId, restartOf: run.runId, fromStep: pending.fromStep, version, status: handed.value });
  }

  /** Whether a restart is owed to its new run. */
  owesHandoff(run: RunRecord): boolean {
    return run.restartPending !== null;
  }

  /**
   * Asks the new run to adopt the kept journal (idempotent there), then records the link. Answers the new
   * run's status, or "pending" when the call failed: the restart stays owed and the watchdog asks again.
   * A conflict (the id is held by an unrelated run) gives the restart up.
   */
  async handOff(): Promise<RpcResult<RestartResult["status"]>> {
    const state = this.#state;
    const run = state.run;
    if (run?.restartPending === null || run === undefined) return fail("internal", "no restart is owed");
    const pending = jsonColumn(RestartPending, run.restartPending, "run.restart_pending");
    const adopt: AdoptInput = {
      runId: pending.runId,
      restartOf: run.runId,
      fromStep: pending.fromStep,
      workflow: run.workflow,
      version: pending.version,
      args: run.args,
      onCompleteRef: run.onCompleteRef,
      retentionMs: run.retentionMs,
      steps: state.store.stepsBefore(pending.fromStep),
      patches: state.store.patchesBefore(pending.fromStep),
      signals: state.store.untakenSignals(),
    };
    let answer: RpcResult<{ status: RunView["status"] }>;
    try {
      answer = await acrossObjects("run.restart", () =>
        rpcResult<{ status: RunView["status"] }>(state.env.WORKFLOW_RUNS.getByName(pending.runId).adopt(adopt)),
      );
    } catch (err) {
      log.error("handing the restart to its new run failed; retried on the next wake-up", {
        runId: run.runId,
        workflow: run.workflow,
        newRunId: pending.runId,
        error: loggedError(err),
      });
      return ok("pending");
    }
    // Two handoffs may overlap (a request's and the watchdog's): only the first to get here records the outcome.
    state.reload();
    const stillOwed = state.run?.restartPending !== null;
    const now = state.clock.now();
    if (!answer.ok) {
      log.error("the restart's new run refused the handoff", {
        runId: run.runId,
        workflow: run.workflow,
        newRunId: pending.runId,
        error: loggedError(answer.error),
      });
      if (answer.error.code === "run.restart_conflict" && stillOwed) {
        state.store.setRestartPending(null, now);
        state.reload();
      }
      return answer;
    }
    if (stillOwed) {
      state.store.markRestarted(pending, now);
      state.reload();
      this.#host.changed();
    }
    return ok(answer.value.status);
  }

  /** The seq a restart executes from: the one asked for (a seq or a step name), else the first step that did not complete. */
  #fromStep(asked: number | string | undefined): RpcResult<number> {
    const steps = this.#state.store.allSteps();
    if (asked === undefined) {
      const first = steps.find((s) => s.status !== "completed" && s.status !== "abandoned");
      return ok(first?.seq ?? steps.length);
    }
    const target = typeof asked === "number" ? steps.find((s) => s.seq === asked) : steps.find((s) => s.name === asked);
    if (target === undefined) {
      return fail("restart.unknown_step", `the run has no step ${typeof asked === "number" ? `with seq ${asked}` : `named "${asked}"`}`, {
        issues: [{ path: ["fromStep"], message: `no such step (the journal holds seq 0 to ${steps.length - 1})` }],
      });
    }
    const unsettled: StepRecord | undefined = steps.find((s) => s.seq < target.seq && !SETTLED.has(s.status));
    if (unsettled !== undefined) {
      return fail("restart.invalid_step", `step ${unsettled.seq} ("${unsettled.name}") before it ended ${unsettled.status}, so there is no result to keep`, {
        issues: [{ path: ["fromStep"], message: `restart from step ${unsettled.seq} or earlier` }],
      });
    }
    return ok(target.seq);
  }

  /** The new side of a restart: a run made of the old one's kept journal. Idempotent for the same restart. */
  adopt(raw: AdoptInput): RpcResult<{ status: RunView["status"] }> {
    const state = this.#state;
    const parsed = AdoptInput.safeParse(raw);
    if (!parsed.success) return fail("request.invalid", `invalid restart handoff: ${issueSummary(parsed.error)}`);
    const input = parsed.data;
    if (state.run !== undefined) {
      if (state.run.restartOf !== input.restartOf) {
        return fail("run.restart_conflict", `the id "${input.runId}" is already held by another run`);
      }
      this.#host.live();
      return ok({ status: state.status() });
    }
    const { store } = state;
    const now = state.clock.now();
    store.migrate();
    store.transaction(() => {
      store.insertRun({
        runId: input.runId,
        workflow: input.workflow,
        version: input.version,
        args: input.args,
        parent: null,
        onCompleteRef: input.onCompleteRef,
        retentionMs: input.retentionMs,
        restartOf: { runId: input.restartOf, fromStep: input.fromStep },
        indexShard: indexShardFor(state.env, input.runId),
        now,
      });
      for (const s of input.steps) store.copyStep(s);
      for (const p of input.patches) store.insertPatch(p);
      for (const s of input.signals) store.copySignal(s);
    });
    state.reload();
    this.#host.live();
    return ok({ status: state.status() });
  }

  // -- pause and resume ------------------------------------------------------------------------

  /** Pauses a live run: no new step starts, timers wait; a step already executing finishes. */
  pause(): RpcResult<{ runId: string; status: RunView["status"]; changed: boolean }> {
    const state = this.#state;
    const run = state.run;
    if (run === undefined) return fail("run.not_found", "no such run");
    if (run.status !== "running") return fail("run.already_finished", `the run has already ended (${run.status})`);
    if (run.pausedAt !== null) return ok({ runId: run.runId, status: "paused", changed: false });
    state.store.setPaused(state.clock.now(), state.clock.now());
    state.reload();
    state.execution?.pause();
    // The alarm now points at the watchdog alone: due timers wait for the resume.
    this.#alarms.rearm();
    this.#host.changed();
    return ok({ runId: run.runId, status: state.status(), changed: true });
  }

  /** Resumes a paused run: timers that fell due meanwhile fire now, in the order they fell due. */
  resume(): RpcResult<{ runId: string; status: RunView["status"]; changed: boolean }> {
    const state = this.#state;
    const run = state.run;
    if (run === undefined) return fail("run.not_found", "no such run");
    if (run.status !== "running") return fail("run.already_finished", `the run has already ended (${run.status})`);
    if (run.pausedAt === null) return ok({ runId: run.runId, status: state.status(), changed: false });
    state.store.setPaused(null, state.clock.now());
    state.reload();
    this.#host.live();
    state.execution?.resume();
    this.#alarms.fireDue();
    this.#alarms.rearm();
    this.#host.changed();
    return ok({ runId: run.runId, status: state.status(), changed: true });
  }

  // -- retention -------------------------------------------------------------------------------

  /** The finished run owes nothing more: its storage goes at the end of its retention. */
  scheduleExpiry(): void {
    const { run, store } = this.#state;
    if (run === undefined || run.status === "running" || run.completedAt === null) return;
    const at = run.expiresAt ?? run.completedAt + this.#state.retentionMs();
    this.#state.run = store.setExpiry(at);
  }

  /**
   * The retention timer fired: removes the run from the index, then deletes its storage and alarm. A run
   * whose parent still runs is kept, and asks again later.
   * @returns true when the run is gone
   */
  async expire(): Promise<boolean> {
    const state = this.#state;
    const run = state.run;
    if (run === undefined) return false;
    if (run.status === "running") {
      state.store.setExpiry(null);
      return false;
    }
    // Kept while a restart is still owed to its new run, or while its parent runs; asked again later.
    if (run.restartPending !== null || (await this.#parentLive(run))) {
      state.run = state.store.setExpiry(state.clock.now() + Math.min(PARENT_RECHECK_MS, Math.max(60_000, state.retentionMs())));
      return false;
    }
    await acrossObjects("run.index", () => indexShard(state.env, run.indexShard).remove(run.runId));
    state.execution = null;
    state.run = undefined;
    await state.store.deleteEverything();
    return true;
  }

  async #parentLive(run: RunRecord): Promise<boolean> {
    if (run.parent === null) return false;
    const parentId = (JSON.parse(run.parent) as { runId?: unknown }).runId;
    if (typeof parentId !== "string" || !RUN_ID_PATTERN.test(parentId)) return false;
    const parent = await rpcResult<RunView>(this.#state.env.WORKFLOW_RUNS.getByName(parentId).describe({ steps: "none" }));
    if (!parent.ok) return false;
    return parent.value.completedAt === null;
  }
}

/** The id of the run that restarts `runId`: `${root}:r2` for a first restart, then `:r3`, and so on. */
export function restartId(runId: string): string {
  const m = /^(.*):r(\d+)$/.exec(runId);
  if (m === null) return `${runId}:r2`;
  return `${m[1]}:r${Number(m[2]) + 1}`;
}

function describeVersions(versions: number[]): string {
  return versions.length === 0 ? "none is" : `registered: ${versions.join(", ")}`;
}
