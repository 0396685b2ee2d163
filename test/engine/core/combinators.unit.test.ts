// CombinatorWatch tells which step promises a Promise.race, Promise.any or a failed Promise.all settled
// without, and nothing else: not a Promise.all that succeeded, not allSettled, not `await`, not a user
// function passed to two `.then`s.
import { describe, expect, it } from "vitest";
import { CombinatorWatch } from "../../../src/engine/core/combinators.ts";

function setup() {
  const lost: number[] = [];
  const watch = new CombinatorWatch((seqs) => lost.push(...seqs));
  const step = <T>(seq: number, settle?: { value?: T; error?: unknown; after?: number }) =>
    watch.watch(
      new Promise<T>((resolve, reject) => {
        if (settle === undefined) return;
        setTimeout(() => ("error" in settle ? reject(settle.error) : resolve(settle.value as T)), settle.after ?? 0);
      }),
      [seq],
    );
  return { lost, step };
}

describe("CombinatorWatch", () => {
  it("marks the pending contenders of a settled Promise.race as lost", async () => {
    const { lost, step } = setup();
    expect(await Promise.race([step(0), step(1, { value: "won" }), step(2)])).toBe("won");
    expect(lost.sort()).toEqual([0, 2]);
  });

  it("follows a step through .then chains", async () => {
    const { lost, step } = setup();
    const r = await Promise.race([step(0).then((v) => ({ v })), step(1, { value: 1 }).then(() => "slept")]);
    expect(r).toBe("slept");
    expect(lost).toEqual([0]);
  });

  it("marks the others of a Promise.all that failed, and none of one that succeeded", async () => {
    const { lost, step } = setup();
    expect(await Promise.all([step(0, { value: 1 }), step(1, { value: 2 })])).toEqual([1, 2]);
    expect(lost).toEqual([]);
    await expect(Promise.all([step(2), step(3, { error: new Error("boom") })])).rejects.toThrow("boom");
    expect(lost).toEqual([2]);
  });

  it("marks the others of a Promise.any once one fulfills, not when one rejects", async () => {
    const { lost, step } = setup();
    const any = Promise.any([step(0, { error: new Error("no"), after: 0 }), step(1, { value: "yes", after: 5 }), step(2)]);
    expect(await any).toBe("yes");
    expect(lost.sort()).toEqual([0, 2]);
  });

  it("leaves Promise.allSettled, await and a user function shared by two .then alone", async () => {
    const { lost, step } = setup();
    await Promise.allSettled([step(0, { value: 1 }), step(1, { error: new Error("x") })]);
    expect(await step(2, { value: 3 })).toBe(3);
    const seen: unknown[] = [];
    const log = (v: unknown) => seen.push(v);
    const a = step(3, { value: "a" });
    const b = step(4, { value: "b", after: 5 });
    a.then(log);
    b.then(log);
    await b;
    expect(seen).toEqual(["a", "b"]);
    expect(lost).toEqual([]);
  });
});
