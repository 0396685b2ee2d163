// Group commit for an object that many others write to (the run index, the thread index): a write asked for
// while a batch is open waits for the batch, and the batch's writes run together in one later turn, so
// they share one commit. A Durable Object commits what a turn wrote when the turn ends, and a commit
// costs more than the row it writes; one turn of many writes commits once. The output gate still holds
// each caller's answer until its write is durable, so an answer is never early. A write that throws
// fails alone: the others in its batch run, and commit, as if it had not been there.
//
// Writes of one kind can go further and share a statement (`item`): the items queued one after another
// for the same `many` are written by one call of it, which takes them all.

/** The most writes one turn runs: a larger batch is run as soon as it is full, so no turn holds the object for long. */
const MAX_BATCH = 256;

/** Writes several items at once: one result per item, in their order. */
export type WriteMany<I, R> = (items: readonly I[]) => R[];

type QueuedItem = { many: WriteMany<unknown, unknown>; item: unknown; resolve: (value: unknown) => void; reject: (reason: unknown) => void };
type Queued = { write: () => void } | QueuedItem;

export class GroupCommit {
  #queue: Queued[] = [];
  readonly #max: number;

  constructor(max = MAX_BATCH) {
    this.#max = max;
  }

  /**
   * Runs `write` with the next batch: on a zero-delay timer after the first write of the batch, so the
   * calls already queued for the object (each a turn of its own) join it first. Resolves with what
   * `write` returned, or rejects with what it threw.
   */
  run<T>(write: () => T): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.#push({
      write: () => {
        try {
          resolve(write());
        } catch (err) {
          reject(err);
        }
      },
    });
    return promise;
  }

  /**
   * Writes `item` with the next batch, in one call of `many` with the items queued right before and after
   * it for the same `many` (a write of another kind between them splits them, so the order holds).
   * Resolves with the item's result. When `many` throws, it is called again for each of those items
   * alone, so that an item that fails fails alone; `many` must leave nothing written when it throws (one
   * SQL statement does: SQLite undoes a statement that fails).
   */
  item<I, R>(many: WriteMany<I, R>, item: I): Promise<R> {
    const { promise, resolve, reject } = Promise.withResolvers<R>();
    // SAFETY: the queue keeps each item beside the `many` it was given with, and #flush passes it only to that one.
    this.#push({ many: many as WriteMany<unknown, unknown>, item, resolve: resolve as (value: unknown) => void, reject });
    return promise;
  }

  #push(queued: Queued): void {
    this.#queue.push(queued);
    if (this.#queue.length >= this.#max) this.#flush();
    else if (this.#queue.length === 1) setTimeout(() => this.#flush(), 0);
  }

  #flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    for (let i = 0; i < batch.length; ) {
      const first = batch[i]!;
      if ("write" in first) {
        first.write();
        i++;
        continue;
      }
      let end = i + 1;
      while (end < batch.length) {
        const next = batch[end]!;
        if ("write" in next || next.many !== first.many) break;
        end++;
      }
      // SAFETY: the loop above stopped at the first write that is not an item, so i..end holds items only.
      writeItems(first.many, batch.slice(i, end) as QueuedItem[]);
      i = end;
    }
  }
}

function writeItems(many: WriteMany<unknown, unknown>, run: QueuedItem[]): void {
  let results: unknown[];
  try {
    results = many(run.map((q) => q.item));
  } catch (err) {
    if (run.length === 1) run[0]!.reject(err);
    // One of them may be the cause: each alone, so that the others are written.
    else for (const q of run) writeItems(many, [q]);
    return;
  }
  for (let i = 0; i < run.length; i++) run[i]!.resolve(results[i]);
}
