// Keeps the run index in step with one run object. The run object is the source of truth and the
// index a projection: a change of status or of what the run waits for is durable in the run first, then
// pushed with a version that only grows (kept in the same object), and `indexed_status` records what the
// index confirmed (the entry's key, see entryKey). A crash or a failed push leaves it stale, and the run's
// next wake-up (the watchdog alarm, which a finished run keeps until the index confirms its outcome)
// pushes again; the index ignores old versions. Pushes go out at most once per turn (RunHost's flush),
// each to the run's own index shard, stored when it was created (index-shards.ts).
import { log, loggedError } from "../../kernel/index.ts";
import { acrossObjects } from "../faults.ts";
import type { IndexWait } from "./index-entry.ts";
import { indexShard } from "./index-shards.ts";
import type { RunRecord, RunStore } from "./run-store.ts";

/** What the index is told of a run besides its record: its status as clients see it and what it waits for. */
export interface IndexSnapshot {
  status: string;
  waitingFor: IndexWait[];
}

/**
 * What tells two pushes apart: the status, and what the run waits for when it waits for anything. An
 * ended run waits for nothing, so its key is its status, as stored before waits were indexed.
 */
export function entryKey(s: IndexSnapshot): string {
  return s.waitingFor.length === 0 ? s.status : `${s.status} ${JSON.stringify(s.waitingFor)}`;
}

export class IndexOutbox {
  readonly #env: Env;
  readonly #store: RunStore;
  /** The entry key the index confirmed (as stored in `indexed_status`); null when none or unknown. */
  #confirmed: string | null = null;
  /** Pushes in flight, by entry key: a second push of the same entry waits for the first one's answer. */
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(env: Env, store: RunStore) {
    this.#env = env;
    this.#store = store;
  }

  /** Loads what the index confirmed before this instance started. */
  load(): void {
    this.#confirmed = this.#store.indexState().indexedStatus;
  }

  /** Whether the index confirmed `snapshot` (a push still in flight does not count). */
  isCurrent(snapshot: IndexSnapshot): boolean {
    return this.#confirmed === entryKey(snapshot);
  }

  /** Pushes the run's entry unless the index has it already. Resolves true once the index confirmed it. */
  push(run: RunRecord, snapshot: IndexSnapshot, now: number): Promise<boolean> {
    const key = entryKey(snapshot);
    if (key === this.#confirmed) return Promise.resolve(true);
    const inFlight = this.#pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const version = this.#store.nextIndexVersion();
    const pushing = (async () => {
      try {
        await acrossObjects("run.index", () =>
          indexShard(this.#env, run.indexShard).upsert({
            runId: run.runId,
            workflow: run.workflow,
            status: snapshot.status,
            createdAt: run.createdAt,
            updatedAt: now,
            version,
            workflowVersion: run.version,
            waitingFor: snapshot.waitingFor,
            completedAt: run.completedAt,
          }),
        );
        // Recorded only if no later push started meanwhile (markIndexed matches the version).
        this.#store.markIndexed(key, version);
        this.#confirmed = this.#store.indexState().indexedStatus;
        return this.#confirmed === key;
      } catch (err) {
        log.error("updating the run index failed; retried on the next wake-up", {
          runId: run.runId,
          workflow: run.workflow,
          status: snapshot.status,
          error: loggedError(err),
        });
        return false;
      } finally {
        this.#pending.delete(key);
      }
    })();
    this.#pending.set(key, pushing);
    return pushing;
  }
}
