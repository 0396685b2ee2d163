// What every part of a run object shares: its storage, the run row as last read, the live handler,
// the deployment's workflows and the clock. Each capability module (commands, alarms, children,
// finishing, event streams) holds this and owns its own part of the work.
import { decodePayload, type Clock } from "../../kernel/index.ts";
import type { AnyWorkflow } from "../workflow-api.ts";
import type { Registry } from "../registry.ts";
import type { FlowGates } from "../flow.ts";
import { journaledError } from "../core/step-machine.ts";
import type { HandlerExecution } from "./execution.ts";
import { indexWaits } from "./index-entry.ts";
import type { IndexSnapshot } from "./index-outbox.ts";
import type { Outcome } from "./run-rpc.ts";
import { RunStore, type RunRecord } from "./run-store.ts";
import { liveRunStatus, type RunView } from "./run-view.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A retention given in days (fractions allowed), in the milliseconds a run stores. */
export function daysToMs(days: number): number {
  return Math.round(days * DAY_MS);
}

export class RunState {
  readonly ctx: DurableObjectState;
  readonly env: Env;
  readonly store: RunStore;
  readonly registry: Registry;
  readonly clock: Clock;
  /** How long an executing step may go without the object checking on it. */
  readonly watchdogMs: number;
  /** The run row as last read; undefined until the run is started here. */
  run: RunRecord | undefined;
  /** The handler running in this instance; null until the run is live here (or after it ended). */
  execution: HandlerExecution | null = null;
  /** How long the last replay took, from loading the journal to the handler passing its last entry. */
  replayMs: number | null = null;
  /** The lines of workflows with flow control (undefined: the deployment gave none). */
  readonly gates: FlowGates | undefined;
  /** What untilEnded callers are waiting on: each resolves its caller's wait (see ended). */
  readonly #endWaiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: Env, registry: Registry, clock: Clock, gates?: FlowGates) {
    this.gates = gates;
    this.ctx = ctx;
    this.env = env;
    this.registry = registry;
    this.clock = clock;
    this.store = new RunStore(ctx.storage);
    this.watchdogMs = Math.max(100, Number(env.STEPWISE_WATCHDOG_MS) || 30_000);
  }

  get runId(): string {
    return this.run?.runId ?? "";
  }

  reload(): void {
    this.run = this.store.getRun();
  }

  /** The definition the run executes on: its own version of its workflow (undefined when that is not registered). */
  workflow(): AnyWorkflow | undefined {
    return this.run === undefined ? undefined : this.registry.get(this.run.workflow, this.run.version);
  }

  /** How long the finished run is kept: its own retention, else its workflow's, else the deployment's. */
  retentionMs(): number {
    const own = this.run?.retentionMs ?? null;
    if (own !== null) return own;
    const days = this.workflow()?.retentionDays ?? Number(this.env.STEPWISE_RETENTION_DAYS ?? 30);
    return daysToMs(Number.isFinite(days) && days >= 0 ? days : 30);
  }

  /** The run's status as clients see it: a live run is running, sleeping or waiting. */
  status(): RunView["status"] {
    const run = this.run!;
    if (run.status !== "running") return run.status;
    return liveRunStatus(run, this.store.openSteps());
  }

  /** What the run index is told: the status as in status(), and what each open step waits for (nothing once ended). */
  indexSnapshot(): IndexSnapshot {
    const run = this.run!;
    if (run.status !== "running") return { status: run.status, waitingFor: [] };
    const open = this.store.openSteps();
    return { status: liveRunStatus(run, open), waitingFor: indexWaits(open) };
  }

  /**
   * Resolves when the run ends (completed, failed or canceled) or after `ms`, whichever comes first; at
   * once for a run that has ended or was never started here. A wait in memory: a restart of the object
   * ends it with the call.
   */
  untilEnded(ms: number): Promise<void> {
    if (this.run === undefined || this.run.status !== "running" || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#endWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#endWaiters.add(done);
    });
  }

  /** The run has ended (its row says so): every untilEnded resolves. */
  ended(): void {
    for (const done of [...this.#endWaiters]) done();
  }

  /** How the run ended; undefined while it runs. */
  outcome(): Outcome | undefined {
    const run = this.run!;
    if (run.status === "completed") return { status: "completed", result: decodePayload(run.result) };
    if (run.status === "failed") return { status: "failed", error: journaledError(run.error, "run.error") };
    if (run.status === "canceled") return { status: "canceled" };
    return undefined;
  }
}
