// Each catch-up policy after downtime: the alarm of a per-minute schedule rings late (the server was
// down), with the manual clock past several instants. Overlap applies to the catch-up starts too.
import { describe, expect, it } from "vitest";
import { fireAt, firesOf, scheduleAt, scheduleName } from "../../helpers/schedules.ts";

const T0 = Date.parse("2031-07-01T11:59:30Z");
const MIN = 60_000;
/** The instants 12:00 to 12:04, all due when the alarm rings at 12:04:30. */
const instants = [0, 1, 2, 3, 4].map((i) => new Date(Date.parse("2031-07-01T12:00:00Z") + i * MIN).toISOString());
const LATE = Date.parse("2031-07-01T12:04:30Z");

async function outcomesAfterDowntime(catchUp: "all" | "latest" | "none", at: number, extra: { catchUpLimit?: number; overlap?: "skip" | "allow" } = {}) {
  const name = scheduleName(`catch-${catchUp}`);
  await scheduleAt(T0, { name, workflow: "waiter", cron: "* * * * *", catchUp, overlap: extra.overlap ?? "allow", ...extra });
  const view = await fireAt(name, at);
  return { name, fires: firesOf(view), view };
}

describe("catch-up after downtime", { timeout: 20_000 }, () => {
  it("all: fires the missed instants oldest first, up to catchUpLimit; older ones are recorded as missed", async () => {
    const { name, fires } = await outcomesAfterDowntime("all", LATE, { catchUpLimit: 3 });
    expect(fires).toEqual([
      [instants[0], "missed", null],
      [instants[1], "missed", null],
      [instants[2], "started", `sched:${name}:${instants[2]}`],
      [instants[3], "started", `sched:${name}:${instants[3]}`],
      [instants[4], "started", `sched:${name}:${instants[4]}`],
    ]);
  });

  it("all, with overlap skip: the first catch-up run is live when the next instant fires, so the rest are skipped", async () => {
    const { fires } = await outcomesAfterDowntime("all", LATE, { catchUpLimit: 3, overlap: "skip" });
    expect(fires.map(([, outcome]) => outcome)).toEqual(["missed", "missed", "started", "skipped", "skipped"]);
  });

  it("latest: fires only the most recent missed instant", async () => {
    const { name, fires, view } = await outcomesAfterDowntime("latest", LATE);
    expect(fires).toEqual([...instants.slice(0, 4).map((i) => [i, "missed", null]), [instants[4], "started", `sched:${name}:${instants[4]}`]]);
    expect(view.nextFireAt).toBe(Date.parse("2031-07-01T12:05:00Z"));
  });

  it("none: an instant within the grace (60 s) is on time and fires; the older ones are missed", async () => {
    const { fires } = await outcomesAfterDowntime("none", LATE);
    expect(fires.map(([, outcome]) => outcome)).toEqual(["missed", "missed", "missed", "missed", "started"]);
  });

  it("none: when even the latest instant is past the grace, nothing fires", async () => {
    const name = scheduleName("catch-none-late");
    await scheduleAt(T0, { name, workflow: "waiter", cron: "*/5 * * * *", catchUp: "none" });
    // 12:00, 12:05 and 12:10 are due; the newest is 90 s old.
    const view = await fireAt(name, Date.parse("2031-07-01T12:11:30Z"));
    expect(firesOf(view).map(([, outcome]) => outcome)).toEqual(["missed", "missed", "missed"]);
    expect(view.lastRunId).toBe(null);
    expect(view.nextFireAt).toBe(Date.parse("2031-07-01T12:15:00Z"));
  });
});
