// Thread retention's pure core: the expiry from a retention and the last activity, and what the
// thread's one alarm does for each combination of expiry, answers in flight and an index push owed.
import { describe, expect, it } from "vitest";
import { decideThreadAlarm, RetentionDays, retentionMs, threadExpiry } from "../../../src/agents/core/thread-retention.ts";

const DAY_MS = 86_400_000;

describe("threadExpiry", () => {
  it("is the retention after the last activity, or null for a thread kept forever", () => {
    expect(threadExpiry({ retentionMs: retentionMs(1.5), lastActivityAt: 1_000 })).toBe(1_000 + 1.5 * DAY_MS);
    expect(threadExpiry({ retentionMs: 0, lastActivityAt: 1_000 })).toBe(1_000);
    expect(threadExpiry({ retentionMs: null, lastActivityAt: 1_000 })).toBeNull();
  });

  it.each([0, 0.25, 36_500])("takes %s days", (days) => expect(RetentionDays.safeParse(days).success).toBe(true));
  it.each([-1, 36_501, Number.NaN, "7"])("refuses %s days", (days) => expect(RetentionDays.safeParse(days).success).toBe(false));
});

describe("decideThreadAlarm", () => {
  it.each([
    ["expired, nothing in flight: delete", { now: 100, expiresAt: 100, watchdogAt: null, indexAt: null }, { kind: "delete" }],
    ["expired, an answer in flight: look again with the watchdog", { now: 100, expiresAt: 50, watchdogAt: 160, indexAt: null }, { kind: "arm", at: 160 }],
    ["not yet expired (an alarm run early): the expiry", { now: 99, expiresAt: 100, watchdogAt: null, indexAt: null }, { kind: "arm", at: 100 }],
    ["the watchdog before the expiry", { now: 10, expiresAt: 100, watchdogAt: 70, indexAt: null }, { kind: "arm", at: 70 }],
    ["the expiry before the watchdog", { now: 90, expiresAt: 100, watchdogAt: 150, indexAt: null }, { kind: "arm", at: 100 }],
    ["kept forever, an answer in flight: the watchdog", { now: 10, expiresAt: null, watchdogAt: 70, indexAt: null }, { kind: "arm", at: 70 }],
    ["kept forever, nothing in flight: no alarm", { now: 10, expiresAt: null, watchdogAt: null, indexAt: null }, { kind: "none" }],
    ["kept forever, an index push owed: its retry", { now: 10, expiresAt: null, watchdogAt: null, indexAt: 40 }, { kind: "arm", at: 40 }],
    ["the index retry before the watchdog and the expiry", { now: 10, expiresAt: 100, watchdogAt: 70, indexAt: 40 }, { kind: "arm", at: 40 }],
    ["the expiry before the index retry", { now: 10, expiresAt: 30, watchdogAt: null, indexAt: 40 }, { kind: "arm", at: 30 }],
    [
      "expired with an index push owed: delete (the deletion removes the entry)",
      { now: 100, expiresAt: 100, watchdogAt: null, indexAt: 140 },
      { kind: "delete" },
    ],
    [
      "expired, an answer in flight, an index push owed: the earlier of both",
      { now: 100, expiresAt: 50, watchdogAt: 160, indexAt: 140 },
      { kind: "arm", at: 140 },
    ],
  ])("%s", (_, state, decision) => {
    expect(decideThreadAlarm(state)).toEqual(decision);
  });
});
