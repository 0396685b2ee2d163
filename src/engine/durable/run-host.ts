// The run object's composition: one RunState shared by the capability modules (commands, alarms,
// children, finishing, event streams), the host of the handler's execution, and the rule that keeps a
// run live: an unfinished run whose handler nothing runs in this instance is replayed at once.
import { decodePayload, jsonColumn, log, loggedError, systemClock, type Clock, type SerializedError } from "../../kernel/index.ts";
import { ChildDetail } from "../core/journal.ts";
import type { Registry } from "../registry.ts";
import { Alarms } from "./alarms.ts";
import { Children } from "./children.ts";
import { Commands } from "./commands.ts";
import { EventStreams } from "./event-streams.ts";
import { HandlerExecution, type ExecutionHost } from "./execution.ts";
import { Finishing } from "./finishing.ts";
import { FlowLines } from "./flow-lines.ts";
import type { FlowGates } from "../flow.ts";
import { Repairs } from "./repairs.ts";
import { RunState } from "./run-state.ts";
import type { RunEvent, RunStore, TimerRecord } from "./run-store.ts";

/** A flush owed while the run replays is tried again this often, and this many times at most (about a second). */
const REPLAY_FLUSH_POLL_MS = 25;
const REPLAY_FLUSH_WAITS = 40;

/** What a run is busy with right now: for tools that wait until a run is quiet. */
export interface RunActivity {
  status: string;
  /** Steps running user code (or starting a child). */
  executing: number;
  /** The side effects of the run's end are under way. */
  finishing: boolean;
  /** The handler is between two steps, giving the event loop a turn: it goes on by itself. */
  yielding: boolean;
}

/**
 * What code in the object's own isolate may read of a run beyond its RPC surface: the testing kit (which
 * fires timers and waits for quiet) and test tools. Reads only.
 */
export interface RunInternals {
  readonly registry: Registry;
  /** See RunHost.activity. */
  activity(): RunActivity | undefined;
  /** The run's timers, in the order they fall due (the watchdog and the end of retention included). */
  timers(): TimerRecord[];
  /** The run's events after `afterSeq`, oldest first. */
  events(afterSeq: number, limit: number): RunEvent[];
  /** The seq of the run's last event (0 for none): it grows whenever the run moves. */
  lastEventSeq(): number;
  /** The run ids of the child runs its open `workflow` steps wait for. */
  openChildren(): string[];
}

export class RunHost implements ExecutionHost {
  readonly #state: RunState;
  readonly alarms: Alarms;
  readonly children: Children;
  readonly finishing: Finishing;
  readonly commands: Commands;
  readonly streams: EventStreams;
  readonly repairs: Repairs;
  readonly lines: FlowLines;
  #flushQueued = false;
  /** A flush waits for the replay to end (see #scheduleFlush): how many times it waited, and that one is owed. */
  #replayWaits = 0;
  #flushAfterReplay = false;

  constructor(ctx: DurableObjectState, env: Env, registry: Registry, clock: Clock = systemClock, gates?: FlowGates) {
    const state = new RunState(ctx, env, registry, clock, gates);
    this.#state = state;
    const live = () => this.live();
    this.alarms = new Alarms(state);
    this.lines = new FlowLines(state, this.alarms, live);
    this.children = new Children(state, live);
    this.repairs = new Repairs(state, this.alarms, { live, changed: () => this.#scheduleFlush() });
    this.finishing = new Finishing(state, this.alarms, this.children, this.repairs, this.lines);
    this.commands = new Commands(state, this.alarms, this.finishing, this.lines, live);
    this.streams = new EventStreams(ctx, state.store);
    void ctx.blockConcurrencyWhile(async () => {
      // An object never started (a read or signal for an unknown run id) gets no schema and no storage.
      if (!state.store.exists()) return;
      state.store.migrate();
      state.reload();
      if (state.run !== undefined) this.finishing.loaded();
    });
    state.store.onChange = () => this.#scheduleFlush();
    // A journal write held back to the end of its turn failed: steps the handler went past are not in
    // the journal, and this instance writes nothing more. A new one replays what is durable.
    state.store.onLost = (err) => {
      log.error("a held journal write failed; the run object restarts", { runId: state.runId, error: loggedError(err) });
      try {
        ctx.abort("a held journal write failed");
      } catch {
        // abort() may throw into its caller, here the store's deadline.
      }
    };
  }

  // -- ExecutionHost ---------------------------------------------------------------------------

  get env(): Env {
    return this.#state.env;
  }

  get runId(): string {
    return this.#state.runId;
  }

  get registry(): Registry {
    return this.#state.registry;
  }

  get store(): RunStore {
    return this.#state.store;
  }

  get clock(): Clock {
    return this.#state.clock;
  }

  rearm(): void {
    this.alarms.rearm();
  }

  ensureWatchdog(): void {
    this.alarms.ensureWatchdog();
  }

  startChild(seq: number, childRunId: string, workflow: string, args: unknown): void {
    this.children.start(seq, childRunId, workflow, args);
  }

  finish(outcome: { ok: true; result: unknown } | { ok: false; error: SerializedError }): Promise<void> {
    return this.finishing.finish(outcome);
  }

  failRun(error: SerializedError): Promise<void> {
    return this.finishing.failRun(error);
  }

  // -- the run's life --------------------------------------------------------------------------

  /** Starts (or replays) the handler if the run is unfinished and nothing runs it here; a finished run takes up what it owes. */
  live(): void {
    const state = this.#state;
    const run = state.run;
    if (run === undefined) return;
    if (run.status !== "running") {
      this.finishing.resume(run);
      return;
    }
    if (state.execution !== null) return;
    // A run waiting in its workflow's line starts when its pool admits it; one the pool has not
    // confirmed yet joins the line again.
    if (this.lines.waiting()) {
      if (run.flowState === "enqueue") void this.lines.enqueue();
      return;
    }
    const workflow = state.workflow();
    if (workflow === undefined) {
      const deployed = state.registry.versions(run.workflow).map((w) => w.version ?? 1);
      void this.failRun(
        deployed.length === 0
          ? { code: "workflow.not_found", message: `workflow "${run.workflow}" is no longer defined` }
          : {
              code: "workflow.version_missing",
              message: `version ${run.version} of workflow "${run.workflow}" is no longer deployed (deployed: ${deployed.join(", ")}); restart the run on one of those`,
            },
      );
      return;
    }
    const started = performance.now();
    state.execution = new HandlerExecution(this, workflow, decodePayload(run.args), state.store.replayJournal(), {
      onReplayed: () => {
        state.replayMs = performance.now() - started;
        if (this.#flushAfterReplay) {
          this.#flushAfterReplay = false;
          this.#scheduleFlush();
        }
      },
      paused: run.pausedAt !== null,
    });
    this.alarms.ensureWatchdog();
    void state.execution.start();
  }

  async alarm(): Promise<void> {
    const { expired } = this.alarms.alarmFired();
    if (this.#state.run === undefined) return;
    if (expired && (await this.repairs.expire())) return;
    this.live();
    this.alarms.afterWake(
      () => this.finishing.owes(this.#state.run!),
      () => this.children.restartOpen(),
    );
    this.alarms.rearm();
    this.#scheduleFlush();
    const pending = this.finishing.pending;
    if (pending !== null) await pending;
  }

  /** The run's event streams (`/events`, `/ws`). */
  fetch(request: Request): Response {
    const run = this.#state.run;
    if (run === undefined) return Response.json({ code: "run.not_found", message: "no such run" }, { status: 404 });
    this.live();
    return this.streams.serve(request, this.#state.run?.status !== "running");
  }

  /** What the run is busy with; undefined for an object no run was started in. */
  activity(): RunActivity | undefined {
    const state = this.#state;
    if (state.run === undefined) return undefined;
    this.live();
    const execution = state.execution;
    return {
      status: state.status(),
      executing: execution !== null && !execution.stopped ? execution.executing : 0,
      finishing: this.finishing.pending !== null,
      yielding: execution !== null && !execution.stopped && execution.yielding,
    };
  }

  internals(): RunInternals {
    const state = this.#state;
    const stored = () => state.run !== undefined;
    return {
      registry: state.registry,
      activity: () => this.activity(),
      timers: () => (stored() ? state.store.timers() : []),
      events: (afterSeq, limit) => (stored() ? state.store.eventsAfter(afterSeq, limit) : []),
      lastEventSeq: () => (stored() ? state.store.lastEventSeq() : 0),
      openChildren: () =>
        stored() ? state.store.openSteps().flatMap((s) => (s.kind === "workflow" ? [jsonColumn(ChildDetail, s.detail, "steps.detail").childRunId] : [])) : [],
    };
  }

  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // A macrotask, not a microtask: a handler running many quick steps flushes once per turn, not per step.
    setTimeout(() => {
      this.#flushQueued = false;
      const run = this.#state.run;
      if (run === undefined) return;
      // A woken run catches up on its journal first: what it tells its readers and the index waits for
      // the replay to end (it takes tens of ms), or for about a second at most.
      if (this.#state.execution?.replaying === true && this.#replayWaits < REPLAY_FLUSH_WAITS) {
        this.#replayWaits++;
        this.#flushAfterReplay = true;
        setTimeout(() => this.#scheduleFlush(), REPLAY_FLUSH_POLL_MS);
        return;
      }
      this.#replayWaits = 0;
      if (this.streams.listening) this.streams.flush(run.status !== "running");
      void this.finishing.syncIndex();
    }, 0);
  }
}
