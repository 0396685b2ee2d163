// Code-defined schedules synced into their objects: idempotent (an unchanged definition is left alone,
// its hash the same), a changed one updated and re-armed, one the code no longer has deleted; and the
// Worker's scheduled() handler runs the same sync.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { defineSchedule, getSchedule, ScheduleRegistry } from "../../../src/triggers/index.ts";
import worker, { stepwise } from "../../worker.ts";
import { alarmOf, scheduleName, setScheduleClock } from "../../helpers/schedules.ts";

const registryOf = (...schedules: ReturnType<typeof defineSchedule>[]) =>
  new ScheduleRegistry({ modules: { app: Object.fromEntries(schedules.map((s, i) => [`s${i}`, s])) } }, stepwise.registry);

describe("code-defined schedules", { timeout: 20_000 }, () => {
  it("are found in registered modules, with the workflow's registered name", () => {
    expect(stepwise.schedules.list().map((s) => [s.name, s.workflow])).toEqual([["fixture-leap-day", "waiter"]]);
  });

  it("sync once, update on a changed definition (re-armed), and are deleted when the code drops them", async () => {
    const name = scheduleName("code");
    const now = Date.parse("2031-09-01T10:00:00Z");
    await setScheduleClock(name, now);
    const v1 = registryOf(defineSchedule({ name, workflow: "waiter", cron: "0 12 * * *" }));
    expect(await v1.sync(env)).toMatchObject({ changed: [name] });
    expect(await getSchedule(env, name)).toMatchObject({ source: "code", cron: "0 12 * * *", nextFireAt: Date.parse("2031-09-01T12:00:00Z") });
    // The same definition again (another isolate's first request, the next cron trigger): nothing changes.
    expect(await v1.sync(env)).toMatchObject({ changed: [] });

    const v2 = registryOf(defineSchedule({ name, workflow: "waiter", cron: "0 18 * * *", timezone: "Europe/Paris" }));
    expect(await v2.sync(env)).toMatchObject({ changed: [name] });
    expect(await getSchedule(env, name)).toMatchObject({ cron: "0 18 * * *", timezone: "Europe/Paris", nextFireAt: Date.parse("2031-09-01T16:00:00Z") });
    expect(await alarmOf(name)).toBe(Date.parse("2031-09-01T16:00:00Z"));

    const dropped = registryOf();
    expect(await dropped.sync(env)).toMatchObject({ deleted: expect.arrayContaining([name]) });
    await expect(getSchedule(env, name)).rejects.toMatchObject({ code: "schedule.not_found" });
    expect(await alarmOf(name)).toBe(null);
  });

  it("the Worker's scheduled() handler syncs them", async () => {
    // A sync by hand that drops the fixture first, so the handler has something to do.
    await registryOf().sync(env);
    await expect(getSchedule(env, "fixture-leap-day")).rejects.toMatchObject({ code: "schedule.not_found" });
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env);
    expect(await getSchedule(env, "fixture-leap-day")).toMatchObject({ source: "code", nextFireAt: expect.any(Number) });
  });

  it("refuse, when the Worker loads, an unknown workflow, args its schema refuses, or a name twice", () => {
    const build =
      (...s: ReturnType<typeof defineSchedule>[]) =>
      () =>
        registryOf(...s);
    expect(build(defineSchedule({ name: "x", workflow: "no-such", cron: "* * * * *" }))).toThrow(/no workflow named "no-such"/);
    expect(build(defineSchedule({ name: "x", workflow: "waiter", cron: "* * * * *", args: { count: "2" } }))).toThrow(/count/);
    const twice = defineSchedule({ name: "x", workflow: "waiter", cron: "* * * * *" });
    expect(() => new ScheduleRegistry({ modules: { a: { twice }, b: { twice: { ...twice } } } }, stepwise.registry)).toThrow(/defined twice/);
  });
});
