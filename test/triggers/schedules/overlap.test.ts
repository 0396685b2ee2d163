// Each overlap policy with alarms fired by hand on a manual clock: the second instant comes while the
// first instant's run still waits for its signal.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getSchedule } from "../../../src/triggers/index.ts";
import { client } from "../../helpers/runtime.ts";
import { fireAt, firesOf, scheduleAt, scheduleName } from "../../helpers/schedules.ts";

const T0 = Date.parse("2031-06-02T09:59:30Z");
const I1 = Date.parse("2031-06-02T10:00:00Z");
const I2 = Date.parse("2031-06-02T10:01:00Z");
const I3 = Date.parse("2031-06-02T10:02:00Z");
const iso = (t: number) => new Date(t).toISOString();

/** A schedule of the "waiter" workflow (its runs wait for a "go" signal), every minute. */
async function every(prefix: string, overlap: "skip" | "buffer_one" | "allow" | "cancel_previous") {
  const name = scheduleName(prefix);
  await scheduleAt(T0, { name, workflow: "waiter", cron: "* * * * *", overlap });
  return name;
}

const status = async (runId: string) => (await client.getRun(runId, { steps: "none" })).status;

describe("overlap", { timeout: 20_000 }, () => {
  it("skip: an instant while the previous run is live starts nothing; the next one after it ended starts", async () => {
    const name = await every("skip", "skip");
    const first = await fireAt(name, I1);
    const run1 = `sched:${name}:${iso(I1)}`;
    expect(firesOf(first)).toEqual([[iso(I1), "started", run1]]);
    expect(await status(run1)).toBe("waiting");

    expect(firesOf(await fireAt(name, I2)).at(-1)).toEqual([iso(I2), "skipped", null]);
    await client.signalRun(run1, "go", 1);
    await expect.poll(() => status(run1)).toBe("completed");
    expect(firesOf(await fireAt(name, I3)).at(-1)).toEqual([iso(I3), "started", `sched:${name}:${iso(I3)}`]);
  });

  it("allow: every instant starts a run, the previous one live or not", async () => {
    const name = await every("allow", "allow");
    await fireAt(name, I1);
    const view = await fireAt(name, I2);
    expect(firesOf(view).map(([, outcome]) => outcome)).toEqual(["started", "started"]);
    for (const [, , runId] of firesOf(view)) expect(await status(runId!)).toBe("waiting");
  });

  it("cancel_previous: the live run is canceled, then the new one starts", async () => {
    const name = await every("cancel", "cancel_previous");
    await fireAt(name, I1);
    const view = await fireAt(name, I2);
    const run1 = `sched:${name}:${iso(I1)}`;
    const run2 = `sched:${name}:${iso(I2)}`;
    expect(firesOf(view)).toEqual([
      [iso(I1), "started", run1],
      [iso(I2), "canceled_previous", run2],
    ]);
    expect(await status(run1)).toBe("canceled");
    expect(await status(run2)).toBe("waiting");
  });

  it("buffer_one: keeps one start for when the live run ends (others skipped), and starts it from the run's onComplete", async () => {
    const name = await every("buffer", "buffer_one");
    await fireAt(name, I1);
    await fireAt(name, I2);
    const view = await fireAt(name, I3);
    const run1 = `sched:${name}:${iso(I1)}`;
    const run2 = `sched:${name}:${iso(I2)}`;
    expect(firesOf(view)).toEqual([
      [iso(I1), "started", run1],
      [iso(I2), "buffered", run2],
      [iso(I3), "skipped", null],
    ]);
    expect(view.bufferedInstant).toBe(I2);
    await expect(client.getRun(run2)).rejects.toMatchObject({ code: "run.not_found" });

    // The run's end reaches the schedule through its onComplete: no alarm needed.
    await client.signalRun(run1, "go", 1);
    await expect.poll(async () => (await getSchedule(env, name)).bufferedInstant).toBe(null);
    const after = await getSchedule(env, name);
    expect(firesOf(after)[1]).toEqual([iso(I2), "started", run2]);
    expect(after.lastRunId).toBe(run2);
    expect(await status(run2)).toBe("waiting");
  });

  it("buffer_one: without the onComplete, the next alarm's status check starts the buffered instant", async () => {
    const name = await every("buffer-poll", "buffer_one");
    await fireAt(name, I1);
    await fireAt(name, I2);
    const run1 = `sched:${name}:${iso(I1)}`;
    // Canceling is an end too, and its onComplete would start the buffered run: pause first, so only the alarm can.
    await env.SCHEDULES.getByName(name).pause();
    await client.cancelRun(run1);
    await env.SCHEDULES.getByName(name).resume();
    expect((await getSchedule(env, name)).bufferedInstant).toBe(I2);
    const view = await fireAt(name, I2 + 30_000);
    expect(view.bufferedInstant).toBe(null);
    expect(firesOf(view)[1]).toEqual([iso(I2), "started", `sched:${name}:${iso(I2)}`]);
  });
});
