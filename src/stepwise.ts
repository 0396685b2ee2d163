// Composes the layers for a deployment: a registry of workflows, the run object bound to it, the app.
// Entry points (src/index.ts, the test and bench Workers) each call this once.
import type { z } from "zod";
import { createRunObject, Registry, type WorkflowDefinition } from "./engine/index.ts";
import { createApp } from "./http/index.ts";
import { chatPageRoutes } from "./ui/index.ts";

/**
 * @example
 * const stepwise = createStepwise({ workflows: [greet] });
 * export class WorkflowRun extends stepwise.WorkflowRun {}
 * export default { fetch: stepwise.app.fetch };
 */
export function createStepwise(opts: { workflows: readonly WorkflowDefinition<z.ZodType, any>[] }) {
  const registry = new Registry(opts.workflows);
  // The ui and http layers are siblings: the chat page joins the app here, under the app's middleware and 404s.
  const app = createApp(registry).route("/chat", chatPageRoutes());
  return { registry, WorkflowRun: createRunObject(registry), app };
}
