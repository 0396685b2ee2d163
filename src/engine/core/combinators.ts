// Sees which step promises a Promise.race, Promise.any or Promise.all settled without, so the engine
// can stop a sleep or a signal wait nobody will read. Pure: it only wraps `then` of the promises given.
//
// A combinator hands every contender the same built-in function: its resolve (race, any) or its
// reject (race, all). `await` never calls `then` of a native promise, so only combinators, `.then`,
// `.catch` and `.finally` chains reach the wrapper. A built-in function (anonymous, native code) seen on
// two step promises makes them one combinator; when it is called, the others lost.

type Fn = (value: unknown) => unknown;

interface Group {
  members: Set<readonly number[]>;
  settled: boolean;
}

const nativeThen = Promise.prototype.then;

/** A promise capability's resolve or reject function: anonymous and built in (never user code). */
function isBuiltIn(fn: unknown): fn is Fn {
  return typeof fn === "function" && fn.name === "" && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
}

export class CombinatorWatch {
  readonly #groups = new WeakMap<Fn, Group>();
  readonly #onLost: (seqs: readonly number[]) => void;

  /** `onLost` gets the steps of each promise a settled combinator did not settle with. */
  constructor(onLost: (seqs: readonly number[]) => void) {
    this.#onLost = onLost;
  }

  /**
   * Watches `promise`, the outcome of the steps `seqs`; returns it, with an own `then` that joins the
   * combinators it is passed to. Derived promises (`.then(f)`) carry the same steps.
   */
  watch<T>(promise: Promise<T>, seqs: readonly number[]): Promise<T> {
    const watcher = this;
    Object.defineProperty(promise, "then", {
      configurable: true,
      writable: true,
      value: function then(this: Promise<T>, onFulfilled?: unknown, onRejected?: unknown) {
        const resolved = watcher.#join(onFulfilled, seqs);
        const rejected = watcher.#join(onRejected, seqs);
        // SAFETY: Promise.prototype.then accepts any values as handlers (non-functions are ignored).
        const derived = nativeThen.call(
          this,
          resolved === undefined ? (onFulfilled as Fn) : (v: unknown) => (watcher.#settle(resolved, seqs), (onFulfilled as Fn)(v)),
          rejected === undefined ? (onRejected as Fn) : (e: unknown) => (watcher.#settle(rejected, seqs), (onRejected as Fn)(e)),
        );
        return watcher.watch(derived, seqs);
      },
    });
    return promise;
  }

  #join(fn: unknown, seqs: readonly number[]): Group | undefined {
    if (!isBuiltIn(fn)) return undefined;
    let group = this.#groups.get(fn);
    if (group === undefined) {
      group = { members: new Set(), settled: false };
      this.#groups.set(fn, group);
    }
    group.members.add(seqs);
    return group;
  }

  /** The combinator settled through `winner`: every other member lost. Only the first call counts. */
  #settle(group: Group, winner: readonly number[]): void {
    if (group.settled) return;
    group.settled = true;
    for (const member of group.members) if (member !== winner) this.#onLost(member);
  }
}
