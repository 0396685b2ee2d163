// What the thread does with an answer that ends, by producer and outcome; which answers the watchdog ends.
import { describe, expect, it } from "vitest";
import { decideEnd, staleStreams } from "../../../../src/agents/streaming/core/answer-end.ts";

const failure = { kind: "failed" as const, error: { code: "model.down", message: "gone" } };

describe("decideEnd", () => {
  it.each([
    ["thread", { kind: "completed" as const }, true, "end", null],
    ["thread", { kind: "aborted" as const }, true, "end", { status: "success", final: true, finishReason: "aborted" }],
    ["call", { kind: "aborted" as const }, false, "end", { status: "failed", final: false, finishReason: "aborted" }],
    ["step", { kind: "aborted" as const }, true, "error", null],
    ["thread", failure, true, "error", { status: "failed", finishReason: "error", error: failure.error }],
    ["thread", failure, false, "error", null],
    ["step", failure, true, "error", null],
    ["thread", { kind: "interrupted" as const }, false, "error", { status: "failed", finishReason: "incomplete", error: { code: "answer.incomplete" } }],
    ["step", { kind: "interrupted" as const }, true, "error", { status: "failed", finishReason: "incomplete" }],
    ["step", { kind: "superseded" as const }, true, "error", null],
  ] as const)("%s, %o (text: %s): last frame %s, saves %o", (producer, end, hasText, last, save) => {
    const d = decideEnd(producer, end, hasText);
    expect(d.last.type).toBe(last);
    if (save === null) expect(d.save).toBeNull();
    else expect(d.save).toMatchObject(save);
  });

  it.each([{ kind: "interrupted" as const }, { kind: "aborted" as const }, failure])(
    "an answer already saved in full, then %o: nothing more is saved, followers get end",
    (end) => {
      for (const producer of ["thread", "call", "step"] as const) expect(decideEnd(producer, end, true, true)).toEqual({ last: { type: "end" }, save: null });
    },
  );

  it("a superseded stream stays superseded even when answered (its retry carries the answer)", () => {
    expect(decideEnd("step", { kind: "superseded" }, true, true).last.type).toBe("error");
  });
});

describe("staleStreams", () => {
  it("ends the thread's own answers not running here, and others silent for idleMs", () => {
    const streams = [
      { streamId: "a", producer: "thread" as const, updatedAt: 0 },
      { streamId: "b", producer: "thread" as const, updatedAt: 0 },
      { streamId: "c", producer: "step" as const, updatedAt: 1_000 },
      { streamId: "d", producer: "call" as const, updatedAt: 9_500 },
    ];
    expect(staleStreams(streams, new Set(["a"]), 10_000, 5_000).map((s) => s.streamId)).toEqual(["b", "c"]);
  });
});
