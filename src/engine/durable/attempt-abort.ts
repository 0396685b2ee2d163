// How a step attempt is cut off (a cancel, the step's timeout): the attempt's work raced against the
// abort, and the AbortSignal the action sees. Both are made only when needed: the signal when the action
// first reads it (most never do: an AbortController with its listener costs about 2.5 µs per attempt
// in workerd), and the race is one promise, not a Promise.race over a promise kept for the abort.

export class AttemptAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** What rejects the race under way, if one is. */
  #reject: ((reason: unknown) => void) | undefined;

  /** The signal the action sees; already aborted, with the reason, when the attempt was cut off before. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /**
   * Settles as `work` does, or rejects with the reason once the attempt is aborted, whichever comes
   * first: work that ignores its signal still loses. One race at a time.
   */
  race<T>(work: T | PromiseLike<T>): Promise<Awaited<T>> {
    if (this.#aborted) return Promise.reject(this.#reason);
    return new Promise<Awaited<T>>((resolve, reject) => {
      this.#reject = reject;
      Promise.resolve(work).then(resolve, reject);
    });
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#reject?.(reason);
  }
}
