// The bench's reading of a CPU profile (bench/inspector.ts): a sample stands for at most a millisecond,
// and the rest of a longer gap, when the isolate was not running, goes to no function.
import { describe, expect, it } from "vitest";
import { type CpuProfile, topSelfTime } from "../../bench/inspector.ts";

const frame = (id: number, functionName: string) => ({ id, callFrame: { functionName, url: "file:///w/worker.js", lineNumber: id } });

describe("topSelfTime", () => {
  it("counts each sample for at most a millisecond, the rest of a gap as outside the isolate, and idle samples for nothing", () => {
    const profile: CpuProfile = {
      nodes: [frame(1, "parse"), frame(2, "exec"), frame(3, "(idle)")],
      // parse 100 µs, then exec after a 50 ms gap, parse 200 µs, idle after 5 ms, exec 300 µs.
      samples: [1, 2, 1, 3, 2],
      timeDeltas: [100, 50_000, 200, 5_000, 300],
      startTime: 0,
      endTime: 55_600,
    };
    const { functions, busyMs, outsideMs } = topSelfTime(profile, 10);
    expect(functions.map((f) => f.fn)).toEqual(["exec worker.js:3", "parse worker.js:2"]);
    expect(functions[0]!.ms).toBeCloseTo(1.3, 9);
    expect(functions[1]!.ms).toBeCloseTo(0.3, 9);
    expect(functions[0]!.share).toBeCloseTo(1.3 / 1.6, 9);
    expect(busyMs).toBeCloseTo(1.6, 9);
    expect(outsideMs).toBeCloseTo(49 + 4, 9);
  });
});
