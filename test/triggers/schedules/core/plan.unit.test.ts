// The schedules' pure core in Node: catch-up plans, overlap decisions, due instants from croner, run ids.
import { describe, expect, it } from "vitest";
import {
  decideOverlap,
  dueInstants,
  nextInstant,
  parseCron,
  planCatchUp,
  scheduleRunId,
  ScheduleInput,
} from "../../../../src/triggers/schedules/core/index.ts";

const MIN = 60_000;
const t = (m: number) => Date.parse("2031-01-01T00:00:00Z") + m * MIN;

describe("planCatchUp", () => {
  const instants = [t(1), t(2), t(3), t(4)];
  it.each([
    ["all", 10, t(4) + 5_000, instants, []],
    ["all", 2, t(4) + 5_000, [t(3), t(4)], [t(1), t(2)]],
    ["latest", 10, t(4) + 5_000, [t(4)], [t(1), t(2), t(3)]],
    ["latest", 10, t(4) + 10 * MIN, [t(4)], [t(1), t(2), t(3)]],
    ["none", 10, t(4) + 60_000, [t(4)], [t(1), t(2), t(3)]],
    ["none", 10, t(4) + 60_001, [], instants],
  ] as const)("%s (limit %d) at %d", (catchUp, limit, now, fire, missed) => {
    expect(planCatchUp({ instants, now, catchUp, limit })).toEqual({ fire, missed });
  });

  it("has nothing to do without due instants", () => {
    expect(planCatchUp({ instants: [], now: t(0), catchUp: "all", limit: 10 })).toEqual({ fire: [], missed: [] });
  });
});

describe("decideOverlap", () => {
  it.each([
    ["skip", false, false, "start"],
    ["skip", true, false, "skip"],
    ["allow", true, true, "start"],
    ["cancel_previous", true, false, "cancel_previous"],
    ["buffer_one", true, false, "buffer"],
    ["buffer_one", true, true, "skip"],
    ["buffer_one", false, true, "start"],
  ] as const)("%s, previous live %s, one buffered %s: %s", (overlap, previousLive, buffered, decision) => {
    expect(decideOverlap(overlap, { previousLive, buffered })).toBe(decision);
  });
});

describe("cron instants", () => {
  it("lists the newest due instants oldest first, inclusive of now, and says when older ones were left out", () => {
    const every = parseCron("* * * * *", "UTC");
    expect(dueInstants(every, t(0), t(3), 10)).toEqual({ instants: [t(1), t(2), t(3)], more: false });
    expect(dueInstants(every, t(0), t(3) + 500, 2)).toEqual({ instants: [t(2), t(3)], more: true });
    expect(dueInstants(every, t(3), t(3), 10)).toEqual({ instants: [], more: false });
  });

  it("reads 6 fields as seconds first", () => {
    expect(nextInstant(parseCron("*/5 * * * * *", "UTC"), t(0) + 1_000)).toBe(t(0) + 5_000);
  });

  it("gives each instant (and each manual trigger) its own run id", () => {
    expect(scheduleRunId("nightly", t(0))).toBe("sched:nightly:2031-01-01T00:00:00.000Z");
    expect(scheduleRunId("nightly", t(0), true)).toBe("sched:nightly:manual:2031-01-01T00:00:00.000Z");
  });
});

describe("ScheduleInput", () => {
  it("fills the defaults", () => {
    expect(ScheduleInput.parse({ name: "n", workflow: "w", cron: "0 9 * * *" })).toEqual({
      name: "n",
      workflow: "w",
      cron: "0 9 * * *",
      timezone: "UTC",
      args: {},
      overlap: "skip",
      catchUp: "latest",
      catchUpLimit: 10,
    });
  });

  it.each([
    ["61 * * * *", "cron"],
    ["* * *", "cron"],
    ["* * * * * * *", "cron"],
  ])("refuses the cron %s at its field", (cron, field) => {
    const parsed = ScheduleInput.safeParse({ name: "n", workflow: "w", cron });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual([field]);
  });

  it("refuses an unknown time zone at its field", () => {
    const parsed = ScheduleInput.safeParse({ name: "n", workflow: "w", cron: "* * * * *", timezone: "Europe/Atlantis" });
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual(["timezone"]);
  });
});
