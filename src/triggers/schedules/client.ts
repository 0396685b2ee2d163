// The Worker-side API over schedule objects, as the HTTP routes call it: create (checked against the
// registry first, so a bad schedule creates no object), list, read, pause, resume, trigger, delete.
import { StepwiseError, type Registry } from "../../engine/index.ts";
import { issueDetails, rpcResult, unwrap } from "../../kernel/index.ts";
import { SCHEDULE_DIRECTORY, scheduleNamespace } from "./bindings.ts";
import { SCHEDULE_NAME, specHash, type ScheduleSpec } from "./core/index.ts";
import type { ScheduleSummary, ScheduleView, TriggerResult } from "./rpc.ts";

/**
 * The spec with its workflow's registered name, once its args pass the workflow's schema.
 * @throws StepwiseError `request.invalid` (at /workflow) or `run.invalid_args` (paths under the args)
 */
export function resolveSpec(registry: Registry, spec: ScheduleSpec): ScheduleSpec {
  const workflow = registry.get(spec.workflow);
  if (workflow === undefined) {
    throw new StepwiseError("request.invalid", `no workflow named "${spec.workflow}"`, {
      details: { issues: [{ path: ["workflow"], message: `no workflow named "${spec.workflow.slice(0, 200)}" is registered` }] },
    });
  }
  const args = workflow.args.safeParse(spec.args);
  if (!args.success) throw new StepwiseError("run.invalid_args", `invalid args for workflow "${workflow.name}"`, { details: issueDetails(args.error) });
  return { ...spec, workflow: workflow.name };
}

/**
 * @example
 * const view = await createSchedule(env, registry, ScheduleInput.parse({ name: "nightly", workflow: "report", cron: "0 3 * * *" }));
 */
export async function createSchedule(env: Env, registry: Registry, input: ScheduleSpec): Promise<ScheduleView> {
  const spec = resolveSpec(registry, input);
  const put = await rpcResult<{ schedule: ScheduleView }>(stub(env, spec.name).put({ spec, source: "api", hash: await specHash(spec), mode: "create" }));
  return unwrap(put).schedule;
}

/** Every schedule the directory lists, by name, as its object reports it now (without its fires). */
export async function listSchedules(env: Env): Promise<ScheduleSummary[]> {
  const { entries } = unwrap(await rpcResult<{ entries: { name: string }[] }>(scheduleNamespace(env).getByName(SCHEDULE_DIRECTORY).directoryList()));
  const views = await Promise.all(entries.map(async (e) => rpcResult<ScheduleView>(stub(env, e.name).describe())));
  const list: ScheduleSummary[] = [];
  for (const reply of views) {
    // A name listed whose object was cleared by a delete that stopped before the directory heard of it.
    if (!reply.ok && reply.error.code === "schedule.not_found") continue;
    const { recentFires: _fires, ...summary } = unwrap(reply);
    list.push(summary);
  }
  return list;
}

export async function getSchedule(env: Env, name: string): Promise<ScheduleView> {
  return unwrap(await rpcResult<ScheduleView>(stub(env, name).describe()));
}

export async function pauseSchedule(env: Env, name: string): Promise<ScheduleView> {
  return unwrap(await rpcResult<ScheduleView>(stub(env, name).pause()));
}

export async function resumeSchedule(env: Env, name: string): Promise<ScheduleView> {
  return unwrap(await rpcResult<ScheduleView>(stub(env, name).resume()));
}

export async function triggerSchedule(env: Env, name: string): Promise<TriggerResult> {
  return unwrap(await rpcResult<TriggerResult>(stub(env, name).trigger()));
}

/** @throws StepwiseError `schedule.defined_in_code` for a code-defined one (remove it from the code instead). */
export async function deleteSchedule(env: Env, name: string): Promise<{ deleted: true }> {
  return unwrap(await rpcResult<{ deleted: true }>(stub(env, name).remove({ force: false })));
}

function stub(env: Env, name: string) {
  if (!SCHEDULE_NAME.test(name)) throw new StepwiseError("schedule.not_found", "no such schedule");
  return scheduleNamespace(env).getByName(name);
}
