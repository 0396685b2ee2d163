// A schedule's life besides its instants: one run per instant whatever happens to the alarm (it rings
// twice, the object crashed between recording a fire and starting its run), pause and resume, trigger now.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getSchedule, pauseSchedule, resumeSchedule, triggerSchedule } from "../../../src/triggers/index.ts";
import { client } from "../../helpers/runtime.ts";
import { alarmOf, fireAt, firesOf, scheduleAt, scheduleName, scheduleStub, setScheduleClock } from "../../helpers/schedules.ts";

const T0 = Date.parse("2031-08-01T07:59:30Z");
const I1 = Date.parse("2031-08-01T08:00:00Z");
const iso = (t: number) => new Date(t).toISOString();

/** The runs whose id starts with the schedule's prefix. */
async function runsOf(name: string): Promise<string[]> {
  const page = await client.listRuns({ q: `sched:${name}:`, limit: 100 });
  return page.runs.map((r) => r.runId).sort();
}

describe("one run per instant", { timeout: 20_000 }, () => {
  it("an alarm that rings twice for one instant (its progress lost in between) starts one run", async () => {
    const name = scheduleName("twice");
    await scheduleAt(T0, { name, workflow: "waiter", cron: "* * * * *", overlap: "allow" });
    await fireAt(name, I1);
    // As if the first alarm's writes were lost after its start: the instant is due again.
    await runInDurableObject(scheduleStub(name), (_i, state) => state.storage.sql.exec("UPDATE schedule SET last_instant = ?", T0));
    const view = await fireAt(name, I1);
    expect(firesOf(view)).toEqual([
      [iso(I1), "started", `sched:${name}:${iso(I1)}`],
      [iso(I1), "started", `sched:${name}:${iso(I1)}`],
    ]);
    // The index hears of runs through each run's outbox: poll it.
    await expect.poll(() => runsOf(name)).toEqual([`sched:${name}:${iso(I1)}`]);
  });

  it("a fire recorded but not started (a crash in between) is started by the next alarm, once", async () => {
    const name = scheduleName("owed");
    await scheduleAt(T0, { name, workflow: "waiter", cron: "0 0 1 1 *" });
    const runId = `sched:${name}:${iso(I1)}`;
    await runInDurableObject(scheduleStub(name), (_i, state) => {
      state.storage.sql.exec("INSERT INTO fires (instant, manual, run_id, outcome, action, at) VALUES (?, 0, ?, 'started', 'start', ?)", I1, runId, I1);
    });
    expect(await runsOf(name)).toEqual([]);
    const view = await fireAt(name, I1 + 1_000);
    expect(view.recentFires[0]).toMatchObject({ runId, outcome: "started", pending: false });
    await expect.poll(() => runsOf(name)).toEqual([runId]);
  });
});

describe("pause, resume, trigger now", { timeout: 20_000 }, () => {
  it("a paused schedule has no alarm; resumed, it goes on from now, the instants in between not fired", async () => {
    const name = scheduleName("pause");
    await scheduleAt(T0, { name, workflow: "waiter", cron: "* * * * *" });
    const paused = await pauseSchedule(env, name);
    expect(paused).toMatchObject({ paused: true, nextFireAt: null });
    expect(await alarmOf(name)).toBe(null);

    await setScheduleClock(name, I1 + 10 * 60_000 + 5_000);
    const resumed = await resumeSchedule(env, name);
    expect(resumed).toMatchObject({ paused: false, nextFireAt: I1 + 11 * 60_000 });
    const view = await fireAt(name, I1 + 11 * 60_000);
    expect(firesOf(view)).toEqual([[iso(I1 + 11 * 60_000), "started", `sched:${name}:${iso(I1 + 11 * 60_000)}`]]);
  });

  it("trigger now starts a run at once under the overlap policy, and leaves the cron's instants alone", async () => {
    const name = scheduleName("trigger");
    await scheduleAt(T0, { name, workflow: "waiter", cron: "* * * * *" });
    await setScheduleClock(name, T0 + 10_000);
    const first = await triggerSchedule(env, name);
    expect(first).toEqual({ outcome: "started", runId: `sched:${name}:manual:${iso(T0 + 10_000)}` });
    expect((await client.getRun(first.runId!, { steps: "none" })).status).toBe("waiting");
    // overlap "skip": the manual run is still live.
    await setScheduleClock(name, T0 + 20_000);
    expect(await triggerSchedule(env, name)).toEqual({ outcome: "skipped", runId: null });
    const view = await getSchedule(env, name);
    expect(view).toMatchObject({ lastInstant: T0, nextFireAt: I1, lastRunId: first.runId });
    expect(view.recentFires.map((f) => [f.manual, f.outcome])).toEqual([
      [true, "skipped"],
      [true, "started"],
    ]);
  });
});
