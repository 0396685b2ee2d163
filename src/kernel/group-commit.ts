// Group commit for an object that many others write to (the run index, the thread index): a write asked for
// while a batch is open waits for the batch, and the batch's writes run together in one later turn, so
// they share one commit. A Durable Object commits what a turn wrote when the turn ends, and a commit
// costs more than the row it writes; one turn of many writes commits once. The output gate still holds
// each caller's answer until its write is durable, so an answer is never early. A write that throws
// fails alone: the others in its batch run, and commit, as if it had not been there.

/** The most writes one turn runs: a larger batch is run as soon as it is full, so no turn holds the object for long. */
const MAX_BATCH = 256;

export class GroupCommit {
  #queue: (() => void)[] = [];
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
    this.#queue.push(() => {
      try {
        resolve(write());
      } catch (err) {
        reject(err);
      }
    });
    if (this.#queue.length >= this.#max) this.#flush();
    else if (this.#queue.length === 1) setTimeout(() => this.#flush(), 0);
    return promise;
  }

  #flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    for (const write of batch) write();
  }
}
