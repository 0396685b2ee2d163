// Group commit: writes asked for together run together, in the order asked, in one later turn; a full
// batch runs at once; a write that throws fails alone.
import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/kernel/group-commit.ts";

describe("GroupCommit", () => {
  it("runs the writes asked for in one turn together, in order, after that turn, and answers each", async () => {
    const writes = new GroupCommit();
    const log: string[] = [];
    const write = (name: string) =>
      writes.run(() => {
        log.push(name);
        // Runs after the current synchronous pass: if the batch ran its writes in one pass, it lands last.
        if (name === "a") queueMicrotask(() => log.push("a's microtask"));
        return name.toUpperCase();
      });
    const answers = Promise.all([write("a"), write("b"), write("c")]);
    await Promise.resolve();
    expect(log).toEqual([]);
    expect(await answers).toEqual(["A", "B", "C"]);
    expect(log).toEqual(["a", "b", "c", "a's microtask"]);
  });

  it("takes in writes asked for before its timer fires, and starts a new batch after it", async () => {
    const writes = new GroupCommit();
    const log: string[] = [];
    const first = writes.run(() => log.push("a"));
    // Asked in a later turn, still before the batch's zero-delay timer: it joins the batch.
    await Promise.resolve();
    const second = writes.run(() => log.push("b"));
    await Promise.all([first, second]);
    expect(log).toEqual(["a", "b"]);
    await writes.run(() => log.push("c"));
    expect(log).toEqual(["a", "b", "c"]);
  });

  it("runs a full batch at once, in the call that filled it", () => {
    const writes = new GroupCommit(2);
    const log: string[] = [];
    void writes.run(() => log.push("a"));
    expect(log).toEqual([]);
    void writes.run(() => log.push("b"));
    expect(log).toEqual(["a", "b"]);
  });

  it("fails a write that throws alone: the others in its batch run", async () => {
    const writes = new GroupCommit();
    const log: string[] = [];
    const results = await Promise.allSettled([
      writes.run(() => log.push("a")),
      writes.run(() => {
        throw new Error("constraint failed");
      }),
      writes.run(() => log.push("c")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(results[1]!.status === "rejected" && (results[1].reason as Error).message).toBe("constraint failed");
    expect(log).toEqual(["a", "c"]);
  });

  it("writes the items queued one after another for one `many` in one call, split where a write of another kind comes between", async () => {
    const writes = new GroupCommit();
    const calls: string[][] = [];
    const many = (items: readonly string[]) => {
      calls.push([...items]);
      return items.map((i) => i.toUpperCase());
    };
    const answers = Promise.all([
      writes.item(many, "a"),
      writes.item(many, "b"),
      writes.run(() => {
        calls.push(["other"]);
        return "OTHER";
      }),
      writes.item(many, "c"),
      writes.item((items: readonly string[]) => items.map(() => "another many"), "d"),
      writes.item(many, "e"),
    ]);
    expect(await answers).toEqual(["A", "B", "OTHER", "C", "another many", "E"]);
    expect(calls).toEqual([["a", "b"], ["other"], ["c"], ["e"]]);
  });

  it("writes each item of a call that threw alone, so that only the item at fault fails", async () => {
    const writes = new GroupCommit();
    const calls: string[][] = [];
    const many = (items: readonly string[]) => {
      calls.push([...items]);
      if (items.includes("bad")) throw new Error("constraint failed");
      return items.map((i) => i.length);
    };
    const results = await Promise.allSettled([writes.item(many, "a"), writes.item(many, "bad"), writes.item(many, "cc")]);
    expect(results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("constraint failed") },
      { status: "fulfilled", value: 2 },
    ]);
    expect(calls).toEqual([["a", "bad", "cc"], ["a"], ["bad"], ["cc"]]);
  });
});
