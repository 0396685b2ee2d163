// Daylight-saving transitions, as croner resolves them and the README documents: a daily 02:30 in
// Europe/Paris fires once on the spring-forward day, at 03:00 CEST (when the clock jumps past the
// missing 02:30), and once on the fall-back day, at the first 02:30 (CEST), not again an hour later.
import { describe, expect, it } from "vitest";
import { alarmOf, fireAt, firesOf, scheduleAt, scheduleName } from "../../helpers/schedules.ts";

const at = (iso: string) => Date.parse(iso);

describe("a daily 02:30 in Europe/Paris", { timeout: 20_000 }, () => {
  it("fires once on the spring-forward day (2031-03-30), at 03:00 CEST, then at 02:30 CEST the next day", async () => {
    const name = scheduleName("dst-spring");
    // 2031-03-29 12:00 CET.
    const created = await scheduleAt(at("2031-03-29T11:00:00Z"), { name, workflow: "waiter", cron: "30 2 * * *", timezone: "Europe/Paris", overlap: "allow" });
    // 02:00 CET is 03:00 CEST: 01:00 UTC is when the missing 02:30 fires.
    expect(created.nextFireAt).toBe(at("2031-03-30T01:00:00Z"));
    expect(await alarmOf(name)).toBe(at("2031-03-30T01:00:00Z"));
    const view = await fireAt(name, at("2031-03-30T01:00:00Z"));
    expect(firesOf(view)).toEqual([["2031-03-30T01:00:00.000Z", "started", `sched:${name}:2031-03-30T01:00:00.000Z`]]);
    // The next is the next day's 02:30 CEST (00:30 UTC): nothing else that day.
    expect(view.nextFireAt).toBe(at("2031-03-31T00:30:00Z"));
    expect(await alarmOf(name)).toBe(at("2031-03-31T00:30:00Z"));
  });

  it("fires once on the fall-back day (2031-10-26), at the first 02:30 (CEST), not at the repeated one (CET)", async () => {
    const name = scheduleName("dst-fall");
    await scheduleAt(at("2031-10-25T10:00:00Z"), { name, workflow: "waiter", cron: "30 2 * * *", timezone: "Europe/Paris", overlap: "allow" });
    const first = await fireAt(name, at("2031-10-26T00:30:00Z"));
    expect(firesOf(first)).toEqual([["2031-10-26T00:30:00.000Z", "started", `sched:${name}:2031-10-26T00:30:00.000Z`]]);
    // 01:30 UTC is 02:30 CET, the same wall time again: not an instant. The next is the 27th's 02:30 CET.
    expect(first.nextFireAt).toBe(at("2031-10-27T01:30:00Z"));
    // An alarm ringing just after the repeated 02:30 finds nothing due.
    const second = await fireAt(name, at("2031-10-26T01:30:30Z"));
    expect(firesOf(second)).toHaveLength(1);
    expect(second.nextFireAt).toBe(at("2031-10-27T01:30:00Z"));
  });
});
