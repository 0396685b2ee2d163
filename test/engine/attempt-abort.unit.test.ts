// An attempt's abort: the race settles as the work does until the abort, then rejects with the reason;
// the signal, made only when read, carries the same reason whether it was read before the abort or after.
import { describe, expect, it } from "vitest";
import { AttemptAbort } from "../../src/engine/durable/attempt-abort.ts";

const reason = new Error("step 3 timed out");

/** A promise and what settles it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("AttemptAbort", () => {
  it("rejects the race under way with the reason, and aborts a signal read before", async () => {
    const abort = new AttemptAbort();
    const { signal } = abort;
    const seen: unknown[] = [];
    signal.addEventListener("abort", () => seen.push(signal.reason));
    const work = deferred<string>();
    const race = abort.race(work.promise);
    abort.abort(reason);
    await expect(race).rejects.toBe(reason);
    // The work ending later changes nothing: it lost.
    work.resolve("too late");
    expect(signal.aborted).toBe(true);
    expect(seen).toEqual([reason]);
  });

  it("settles as the work does while it is not aborted: a value, a rejection, or a plain value", async () => {
    const ok = new AttemptAbort();
    await expect(ok.race(Promise.resolve(7))).resolves.toBe(7);
    const failed = new AttemptAbort();
    await expect(failed.race(Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const plain = new AttemptAbort();
    await expect(plain.race("now")).resolves.toBe("now");
    // An abort after the work settled does not reach back.
    ok.abort(reason);
    expect(ok.signal.aborted).toBe(true);
  });

  it("rejects a race begun after the abort at once, and gives a signal first read then as already aborted", async () => {
    const abort = new AttemptAbort();
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
    await expect(abort.race(new Promise(() => {}))).rejects.toBe(reason);
  });

  it("keeps the first reason when aborted twice, and one signal however often it is read", () => {
    const abort = new AttemptAbort();
    const signal = abort.signal;
    abort.abort(reason);
    abort.abort(new Error("later"));
    expect(abort.signal).toBe(signal);
    expect(signal.reason).toBe(reason);
  });

  it("leaves the race pending while neither the work nor an abort settles it", async () => {
    const abort = new AttemptAbort();
    const settled = await Promise.race([
      abort.race(new Promise(() => {})).then(
        () => "settled",
        () => "settled",
      ),
      new Promise((resolve) => setTimeout(() => resolve("pending"), 0)),
    ]);
    expect(settled).toBe("pending");
    expect(abort.signal.aborted).toBe(false);
  });
});
