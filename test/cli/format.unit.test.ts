// The text building blocks: durations, times, relative times, compact JSON and aligned columns.
import { describe, expect, it } from "vitest";
import { compactJson, formatDuration, formatRelative, formatTime, table } from "../../src/cli/format.ts";

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [999.4, "999 ms"],
    [999.6, "1.0 s"],
    [1000, "1.0 s"],
    [1234, "1.2 s"],
    [59_949, "59.9 s"],
    [59_960, "1.0 min"],
    [3_597_000, "1.0 h"],
    [90_000, "1.5 min"],
    [2 * 3_600_000, "2.0 h"],
    [36 * 3_600_000, "1.5 d"],
    [-5, "-"],
    [Number.NaN, "-"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("times", () => {
  it("prints UTC ISO 8601 to the second", () => {
    expect(formatTime(Date.UTC(2026, 10, 17, 10, 3, 5, 678))).toBe("2026-11-17T10:03:05Z");
  });

  it.each([
    [10_500, 10_000, "now"],
    [7_000, 10_000, "3.0 s ago"],
    [10_000 + 3_540_000, 10_000, "in 59.0 min"],
  ])("%d seen at %d is %s", (at, now, text) => {
    expect(formatRelative(at, now)).toBe(text);
  });
});

describe("compactJson", () => {
  it("is one line, cut with an ellipsis past the limit", () => {
    expect(compactJson({ a: [1, 2], b: "x" })).toBe('{"a":[1,2],"b":"x"}');
    expect(compactJson("x".repeat(50), 10)).toBe(`"${"x".repeat(8)}…`);
    expect(compactJson(undefined)).toBe("-");
  });
});

describe("table", () => {
  it("aligns columns two spaces apart and trims the last", () => {
    expect(
      table(
        ["SEQ", "NAME", "NOTES"],
        [
          ["0", "prepare", ""],
          ["12", "greet", "3 attempts"],
        ],
      ),
    ).toEqual(["SEQ  NAME     NOTES", "0    prepare", "12   greet    3 attempts"]);
  });

  it("leaves the header out when it is empty", () => {
    expect(
      table(
        [],
        [
          ["--json", "print JSON"],
          ["-h, --help", "help"],
        ],
      ),
    ).toEqual(["--json      print JSON", "-h, --help  help"]);
  });
});
