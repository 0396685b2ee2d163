// The exit codes a script branches on: by HTTP answer, and by how a followed run ended.
import { describe, expect, it } from "vitest";
import { EXIT, EXIT_TABLE, exitForHttpStatus, exitForRunStatus } from "../../src/cli/exit-codes.ts";

describe("exit codes", () => {
  it.each([
    [200, 0],
    [201, 0],
    [202, 0],
    [400, 1],
    [404, 1],
    [409, 1],
    [413, 1],
    [401, 4],
    [403, 1],
    [500, 3],
    [503, 3],
  ])("HTTP %i exits %i", (status, exit) => {
    expect(exitForHttpStatus(status)).toBe(exit);
  });

  it.each([
    ["completed", 0],
    ["failed", 5],
    ["canceled", 6],
    ["running", undefined],
    ["waiting", undefined],
    ["paused", undefined],
  ])("a run %s exits %s", (status, exit) => {
    expect(exitForRunStatus(status)).toBe(exit);
  });

  it("help's table lists every code once, in order", () => {
    expect(EXIT_TABLE.map(([code]) => code)).toEqual(Object.values(EXIT).sort());
  });
});
