// Keeps the run index in step with one run object. The run object is the source of truth and the
// index a projection: a status change is durable in the run first, then pushed with a version that only
// grows (kept in the same object), and `indexed_status` records what the index confirmed. A crash or a
// failed push leaves indexed_status stale, and the run's next wake-up (the watchdog alarm, which a
// finished run keeps until the index confirms its outcome) pushes again; the index ignores old versions.
import type { RunRecord, RunStore } from "./run-store.ts";

export class IndexOutbox {
  readonly #env: Env;
  readonly #store: RunStore;
  /** What the index was last told (or is being told); null when unknown or a push failed. */
  #indexed: string | null = null;

  constructor(env: Env, store: RunStore) {
    this.#env = env;
    this.#store = store;
  }

  /** Loads what the index confirmed before this instance started. */
  load(): void {
    this.#indexed = this.#store.indexState().indexedStatus;
  }

  isCurrent(status: string): boolean {
    return this.#indexed === status;
  }

  /** Pushes `status` unless the index has it already. Resolves true when the index holds it. */
  async push(run: RunRecord, status: string, now: number): Promise<boolean> {
    if (status === this.#indexed) return true;
    this.#indexed = status;
    const version = this.#store.nextIndexVersion();
    try {
      await this.#env.RUN_INDEX.getByName("global").upsert({ runId: run.runId, workflow: run.workflow, status, createdAt: run.createdAt, updatedAt: now, version });
      this.#store.markIndexed(status, version);
      return this.#indexed === status;
    } catch (err) {
      console.error(`run ${run.runId}: updating the run index failed; retried on the next wake-up: ${String(err)}`);
      if (this.#indexed === status) this.#indexed = null;
      return false;
    }
  }
}
