// defineSchedule checks a schedule where it is written: each bad field is a TypeError that names it.
import { describe, expect, it } from "vitest";
import { defineSchedule } from "../../../src/triggers/index.ts";
import { waiter } from "../../fixtures/workflows.ts";

describe("defineSchedule", () => {
  it("keeps the options with their defaults", () => {
    const s = defineSchedule({ name: "digest", workflow: waiter, cron: "0 9 * * 1-5", timezone: "Europe/Paris", args: { count: 2 } });
    expect(s.name).toBe("digest");
    expect(s.options).toEqual({
      name: "digest",
      cron: "0 9 * * 1-5",
      timezone: "Europe/Paris",
      args: { count: 2 },
      overlap: "skip",
      catchUp: "latest",
      catchUpLimit: 10,
    });
  });

  it.each([
    ["cron", { cron: "0 25 * * *" }, /schedule "s": cron: not a cron expression/],
    ["timezone", { timezone: "Paris" }, /schedule "s": timezone: "Paris" is not an IANA time zone/],
    ["args", { args: { count: "two" } }, /schedule "s": args: args\.count: /],
    ["overlap", { overlap: "queue" }, /schedule "s": overlap: /],
    ["catchUpLimit", { catchUpLimit: 0 }, /schedule "s": catchUpLimit: /],
    ["name", { name: "no spaces" }, /name: /],
  ])("throws a TypeError naming %s", (_field, extra, message) => {
    // SAFETY: deliberately wrong options, as untyped code would pass them.
    const bad = { name: "s", workflow: waiter, cron: "* * * * *", ...extra } as unknown as Parameters<typeof defineSchedule>[0];
    expect(() => defineSchedule(bad)).toThrow(TypeError);
    expect(() => defineSchedule(bad)).toThrow(message);
  });
});
