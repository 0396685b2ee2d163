// An attempt's abort: the race promise rejects with the reason, and the signal, made only when read,
// carries the same reason whether it was read before the abort or after.
import { describe, expect, it } from "vitest";
import { AttemptAbort } from "../../src/engine/durable/attempt-abort.ts";

const reason = new Error("step 3 timed out");

describe("AttemptAbort", () => {
  it("rejects its promise with the reason and aborts a signal read before", async () => {
    const abort = new AttemptAbort();
    const { signal } = abort;
    const seen: unknown[] = [];
    signal.addEventListener("abort", () => seen.push(signal.reason));
    abort.abort(reason);
    await expect(abort.rejected).rejects.toBe(reason);
    expect(signal.aborted).toBe(true);
    expect(seen).toEqual([reason]);
  });

  it("gives a signal first read after the abort as already aborted, with the reason", async () => {
    const abort = new AttemptAbort();
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
    await expect(abort.rejected).rejects.toBe(reason);
  });

  it("keeps the first reason when aborted twice, and one signal however often it is read", () => {
    const abort = new AttemptAbort();
    const signal = abort.signal;
    abort.abort(reason);
    abort.abort(new Error("later"));
    expect(abort.signal).toBe(signal);
    expect(signal.reason).toBe(reason);
  });

  it("never settles while the attempt is not aborted", async () => {
    const abort = new AttemptAbort();
    const settled = await Promise.race([
      abort.rejected.then(
        () => "settled",
        () => "settled",
      ),
      Promise.resolve("pending"),
    ]);
    expect(settled).toBe("pending");
    expect(abort.signal.aborted).toBe(false);
  });
});
