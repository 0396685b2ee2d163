// The schedule routes: create, list, read, pause, resume, trigger now, delete. Each schedule is its own
// object; the body is checked whole first (a bad cron or time zone is a 400 at its field, args are
// checked against the workflow's schema under /args), so bad input creates and changes nothing.
import { Hono } from "hono";
import { z } from "zod";
import type { Registry } from "../../engine/index.ts";
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  ScheduleInput,
  ScheduleName,
  ScheduleSummary,
  triggerSchedule,
} from "../../triggers/index.ts";
import { jsonBody, params, underBody } from "../validators.ts";

export const CreateScheduleBody = ScheduleInput;
export const ScheduleList = z.object({ schedules: z.array(ScheduleSummary).describe("By name") });
export const DeleteScheduleResponse = z.object({ deleted: z.literal(true) });
export { ScheduleView, TriggerResult } from "../../triggers/index.ts";

const byName = params(z.object({ name: ScheduleName }));

export function scheduleRoutes(registry: Registry) {
  return new Hono<{ Bindings: Env }>()
    .get("/schedules", async (c) => c.json({ schedules: await listSchedules(c.env) }))
    .post("/schedules", jsonBody(CreateScheduleBody), async (c) => {
      const created = await createSchedule(c.env, registry, c.req.valid("json")).catch((err: unknown) => {
        throw underBody(err, "run.invalid_args", "args");
      });
      return c.json(created, 201);
    })
    .get("/schedules/:name", byName, async (c) => c.json(await getSchedule(c.env, c.req.valid("param").name)))
    .post("/schedules/:name/pause", byName, async (c) => c.json(await pauseSchedule(c.env, c.req.valid("param").name)))
    .post("/schedules/:name/resume", byName, async (c) => c.json(await resumeSchedule(c.env, c.req.valid("param").name)))
    .post("/schedules/:name/trigger", byName, async (c) => {
      const fired = await triggerSchedule(c.env, c.req.valid("param").name);
      return c.json(fired, fired.outcome === "started" || fired.outcome === "canceled_previous" ? 201 : 200);
    })
    .delete("/schedules/:name", byName, async (c) => c.json(await deleteSchedule(c.env, c.req.valid("param").name)));
}
