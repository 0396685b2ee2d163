// Composes the layers for a deployment: one registry of workflows, actions and mutations, the Durable
// Object classes bound to it, and the app. Entry points (src/index.ts, the test and bench Workers)
// each call this once, when the Worker loads.
import { createThreadMutation, requestToolApproval, saveMessageMutation } from "./agents/index.ts";
import { sendApprovalRequest } from "./approvals/index.ts";
import { createComponents, createFlowGates } from "./components/index.ts";
import { createRunObject, Registry, type RegistryInput } from "./engine/index.ts";
import { checkConfig, createApp } from "./http/index.ts";
import { collectQueueTriggers, createQueueHandler, createScheduleObject, ScheduleRegistry, scheduleRunEnded } from "./triggers/index.ts";
import { chatPageRoutes, uiRoutes } from "./ui/index.ts";

/**
 * Registers every workflow, action and mutation the modules export, names the unnamed ones
 * `${module}.${export}`, and refuses (at load) a definition left out of every module or a name taken twice.
 * @example
 * import * as greetings from "./greetings.ts";
 * const stepwise = createStepwise({ modules: { greetings } });
 * export class WorkflowRun extends stepwise.WorkflowRun {}
 * export class WorkpoolQueue extends stepwise.WorkpoolQueue {}
 * export class ActionRun extends stepwise.ActionRun {}
 * export class ScheduleObject extends stepwise.ScheduleObject {}
 * export default { fetch: stepwise.app.fetch, queue: stepwise.queue, scheduled: stepwise.scheduled };
 */
export function createStepwise(opts: RegistryInput) {
  // Stepwise's own steps (a thread created or a message saved by a step, an approval link sent) are
  // registered like the app's, so they are found by name too.
  const registry = new Registry({
    ...opts,
    definitions: [createThreadMutation, saveMessageMutation, sendApprovalRequest, requestToolApproval, scheduleRunEnded, ...(opts.definitions ?? [])],
  });
  registry.assertNoneForgotten();
  // Queue triggers are exported from the same modules (see defineQueueTrigger); `queue` is the Worker's handler.
  const queueTriggers = collectQueueTriggers(opts.modules ?? {}, registry);
  // The modules' schedules (defineSchedule), checked against the registry now.
  const schedules = new ScheduleRegistry(opts, registry);
  // The ui and http layers are siblings: the chat page joins the app here, under the app's middleware and 404s.
  const api = createApp(registry, { queueTriggers, schedules });
  // The pages read through the API in-process, as the deployment's own client (the token never leaves the isolate).
  const readApi = async (env: Env, path: string) => api.request(path, { headers: { authorization: `Bearer ${env.API_TOKEN}` } }, env);
  const app = api
    .route("/chat", chatPageRoutes({ api: readApi }))
    .route("/", uiRoutes({ workflows: () => registry.list().map((w) => w.name), health: (env, url) => checkConfig(env, url), api: readApi }));
  const components = createComponents(registry);
  // The cron trigger's handler: arms the code's schedules after a deploy even if no request comes.
  const scheduled = async (_controller: ScheduledController, env: Env) => void (await schedules.sync(env));
  return {
    registry,
    schedules,
    app,
    queue: createQueueHandler(registry, queueTriggers),
    scheduled,
    WorkflowRun: createRunObject(registry, { gates: createFlowGates() }),
    WorkpoolQueue: components.WorkpoolQueue,
    ActionRun: components.ActionRun,
    ScheduleObject: createScheduleObject(registry),
  };
}
