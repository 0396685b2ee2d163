// Keeps the thread index in step with one thread object. The thread is the source of truth and the
// index a projection: each change the index lists (the creation, a saved message) is durable in the
// thread first under a version that only grows, and `indexed_version` records what the index confirmed.
// Pushes never overlap and each carries every change before it; a failed one arms the thread's alarm.
import { acrossObjects } from "../../engine/index.ts";
import { type Clock, log, loggedError } from "../../kernel/index.ts";
import { alarmBy } from "./thread-alarm.ts";
import type { ThreadStore } from "./thread-store.ts";

/** How long after a failed push (or before a new thread's first one lands) the thread's alarm pushes again. */
export const INDEX_RETRY_MS = 10_000;

export class ThreadIndexOutbox {
  readonly #env: Env;
  readonly #storage: DurableObjectStorage;
  readonly #store: ThreadStore;
  readonly #clock: Clock;
  /** The push loop in flight: a second caller joins it (the loop looks again for what is owed after each push). */
  #running: Promise<boolean> | null = null;

  constructor(o: { env: Env; storage: DurableObjectStorage; store: ThreadStore; clock: Clock }) {
    this.#env = o.env;
    this.#storage = o.storage;
    this.#store = o.store;
    this.#clock = o.clock;
  }

  /** Whether the thread owes the index a push. */
  owed(): boolean {
    return this.#store.indexOwed() !== undefined;
  }

  /**
   * Pushes what the index is owed. Resolves true once nothing is owed; false when a push failed, after
   * arming the alarm to try again.
   * @example
   * const listed = await outbox.sync();
   */
  sync(): Promise<boolean> {
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Resolves once no push is in flight. */
  async idle(): Promise<void> {
    await this.#running;
  }

  /** Drops the thread's entry. Resolves false (logged) when the index could not be reached. */
  async remove(threadId: string): Promise<boolean> {
    try {
      await acrossObjects("thread.index", () => this.#env.THREAD_INDEX.getByName("global").remove(threadId));
      return true;
    } catch (err) {
      log.error("removing a thread from the thread index failed; tried again by its alarm", { threadId, error: loggedError(err) });
      return false;
    }
  }

  async #drain(): Promise<boolean> {
    for (;;) {
      const entry = this.#store.indexOwed();
      if (entry === undefined) return true;
      try {
        await acrossObjects("thread.index", () => this.#env.THREAD_INDEX.getByName("global").upsert(entry));
      } catch (err) {
        log.error("updating the thread index failed; tried again by its alarm", { threadId: entry.threadId, error: loggedError(err) });
        await alarmBy(this.#storage, this.#clock.now() + INDEX_RETRY_MS);
        return false;
      }
      this.#store.markIndexed(entry.version);
    }
  }
}
