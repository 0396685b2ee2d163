// Keeps the run index in step with one run object. The run object is the source of truth and the
// index a projection: a status change is durable in the run first, then pushed with a version that only
// grows (kept in the same object), and `indexed_status` records what the index confirmed. A crash or a
// failed push leaves indexed_status stale, and the run's next wake-up (the watchdog alarm, which a
// finished run keeps until the index confirms its outcome) pushes again; the index ignores old versions.
import { log, loggedError } from "../../kernel/index.ts";
import { acrossObjects } from "../faults.ts";
import type { RunRecord, RunStore } from "./run-store.ts";

export class IndexOutbox {
  readonly #env: Env;
  readonly #store: RunStore;
  /** The status the index confirmed (as stored in `indexed_status`); null when none or unknown. */
  #confirmed: string | null = null;
  /** Pushes in flight, by status: a second push of the same status waits for the first one's answer. */
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(env: Env, store: RunStore) {
    this.#env = env;
    this.#store = store;
  }

  /** Loads what the index confirmed before this instance started. */
  load(): void {
    this.#confirmed = this.#store.indexState().indexedStatus;
  }

  /** Whether the index confirmed `status` (a push still in flight does not count). */
  isCurrent(status: string): boolean {
    return this.#confirmed === status;
  }

  /** Pushes `status` unless the index has it already. Resolves true once the index confirmed it. */
  push(run: RunRecord, status: string, now: number): Promise<boolean> {
    if (status === this.#confirmed) return Promise.resolve(true);
    const inFlight = this.#pending.get(status);
    if (inFlight !== undefined) return inFlight;
    const version = this.#store.nextIndexVersion();
    const pushing = (async () => {
      try {
        await acrossObjects("run.index", () =>
          this.#env.RUN_INDEX.getByName("global").upsert({
            runId: run.runId,
            workflow: run.workflow,
            status,
            createdAt: run.createdAt,
            updatedAt: now,
            version,
            workflowVersion: run.version,
          }),
        );
        // Recorded only if no later push started meanwhile (markIndexed matches the version).
        this.#store.markIndexed(status, version);
        this.#confirmed = this.#store.indexState().indexedStatus;
        return this.#confirmed === status;
      } catch (err) {
        log.error("updating the run index failed; retried on the next wake-up", { runId: run.runId, workflow: run.workflow, status, error: loggedError(err) });
        return false;
      } finally {
        this.#pending.delete(status);
      }
    })();
    this.#pending.set(status, pushing);
    return pushing;
  }
}
