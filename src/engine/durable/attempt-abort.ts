// How a step attempt is cut off (a cancel, the step's timeout): a promise the attempt races its action
// against, and the AbortSignal the action sees. The signal is made when the action first reads it: most
// actions never do, and an AbortController with its listener costs about 2.5 µs per attempt in workerd.

export class AttemptAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #reject: (reason: unknown) => void = () => {};
  /** Rejects with the reason once the attempt is aborted; never resolves. */
  readonly rejected: Promise<never>;

  constructor() {
    this.rejected = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    // The attempt may end without anyone awaiting this: an abort after it must not be unhandled.
    this.rejected.catch(() => {});
  }

  /** The signal the action sees; already aborted, with the reason, when the attempt was cut off before. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#reject(reason);
  }
}
