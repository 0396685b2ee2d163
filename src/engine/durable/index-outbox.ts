// Keeps the run index in step with one run object. The run object is the source of truth and the
// index a projection: a change of status or of what the run waits for is durable in the run first, then
// pushed with a version that only grows, and the index ignores versions it has seen. The version is read,
// not written (RunStore.indexState: the last event's seq plus a count of the changes without one), so a
// push adds no commit to the object: the change it reports was the last write, and the output gate holds
// the push until that write is durable. What the index confirmed is kept with the version it was pushed
// with, and written with the object's next write. A crash or a failed push leaves the entry stale, and
// the run's next wake-up (the watchdog alarm, which a finished run keeps until the index confirms its
// outcome) pushes again. Pushes go out at most once per turn (RunHost's flush), each to the run's own
// index shard, stored when it was created (index-shards.ts).
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
  /** The entry key the index confirmed, and the version it was pushed with; null when none or unknown. */
  #confirmed: { key: string; version: number } | null = null;
  /** The last push this instance made: a push of another key needs a higher version (see #version). */
  #last: { key: string; version: number } | null = null;
  /** Pushes in flight, by entry key: a second push of the same entry waits for the first one's answer. */
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(env: Env, store: RunStore) {
    this.#env = env;
    this.#store = store;
  }

  /**
   * Loads what the index confirmed before this instance started. It holds only for the entry's current
   * version: any change since (an event) may have been pushed and lost, so the entry is pushed again.
   */
  load(): void {
    const { version, indexedStatus, indexedVersion } = this.#store.indexState();
    this.#confirmed = indexedStatus !== null && indexedVersion === version ? { key: indexedStatus, version } : null;
  }

  /** A new run row: nothing is confirmed (what load() would read of it, without the read). */
  forget(): void {
    this.#confirmed = null;
  }

  /** Whether the index confirmed `snapshot` (a push still in flight does not count). */
  isCurrent(snapshot: IndexSnapshot): boolean {
    return this.#confirmed?.key === entryKey(snapshot);
  }

  /** Pushes the run's entry unless the index has it already. Resolves true once the index confirmed it. */
  push(run: RunRecord, snapshot: IndexSnapshot, now: number): Promise<boolean> {
    const key = entryKey(snapshot);
    if (key === this.#confirmed?.key) return Promise.resolve(true);
    const inFlight = this.#pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const version = this.#version(key);
    this.#last = { key, version };
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
        // A later push may have been confirmed first: the newest version wins.
        if (this.#confirmed === null || version > this.#confirmed.version) {
          this.#confirmed = { key, version };
          this.#store.confirmIndexed(key, version);
        }
        return this.#confirmed.key === key;
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

  /**
   * The version to push `key` with: the entry's version now. Every change the entry shows makes it grow,
   * durably and before the push leaves; should one not have (a change this code forgot), a push of
   * another key at the version of the last one would be ignored by the index, so the version grows here.
   */
  #version(key: string): number {
    const version = this.#store.indexVersion();
    const last = this.#last;
    if (last === null || version > last.version || last.key === key) return version;
    this.#store.bumpIndexVersion(last.version - version + 1);
    return last.version + 1;
  }
}
