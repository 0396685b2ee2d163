// Helpers for in-runtime schedule tests: a schedule created on a stopped clock, its alarm fired at a
// chosen instant (the manual clock moved there first), and its fires read back. No real sleeps.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createSchedule, getSchedule, ScheduleInput, type ScheduleView } from "../../src/triggers/index.ts";
import { stepwise } from "../worker.ts";
import { manualClock } from "./clock.ts";

export type ScheduleStub = ReturnType<typeof env.SCHEDULES.getByName>;

let counter = 0;
/** A name no other test of this file uses. */
export function scheduleName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${++counter}`;
}

export function scheduleStub(name: string): ScheduleStub {
  return env.SCHEDULES.getByName(name);
}

/** Stops the schedule object's clock at `at` (its manual clock; test/worker.ts gives it one). */
export async function setScheduleClock(name: string, at: number): Promise<void> {
  await runInDurableObject(scheduleStub(name), (instance) => manualClock(instance).stop(at));
}

/** Creates a schedule through the Worker-side API, its clock stopped at `now` first. */
export async function scheduleAt(now: number, input: ScheduleInput): Promise<ScheduleView> {
  await setScheduleClock(input.name, now);
  return createSchedule(env, stepwise.registry, ScheduleInput.parse(input));
}

/** Moves the clock to `at` and fires the alarm there, as the runtime would; returns the schedule after it. */
export async function fireAt(name: string, at: number): Promise<ScheduleView> {
  await setScheduleClock(name, at);
  expect(await runDurableObjectAlarm(scheduleStub(name))).toBe(true);
  return getSchedule(env, name);
}

/** The alarm time the object set, or null. */
export async function alarmOf(name: string): Promise<number | null> {
  return runInDurableObject(scheduleStub(name), (_instance, state) => state.storage.getAlarm());
}

/** The fires, oldest first, as [instant ISO, outcome, runId]. */
export function firesOf(view: ScheduleView): [string, string, string | null][] {
  return [...view.recentFires].reverse().map((f) => [new Date(f.instant).toISOString(), f.outcome, f.runId]);
}
