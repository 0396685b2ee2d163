// The Worker-side API over run objects: startRun, getRun, signalRun, cancelRun.
// Errors come back as StepwiseError with the run object's code intact.
import { StepwiseError } from "./core/errors.ts";
import { unwrap } from "./core/result.ts";
import type { AnyWorkflow } from "./define.ts";
import type { Registry } from "./registry.ts";
import { RUN_ID_PATTERN, type StartResult } from "./durable/run-engine.ts";
import type { RunView } from "./durable/run-view.ts";

export interface StepwiseClient {
  startRun(workflow: string | AnyWorkflow, args: unknown, opts?: { runId?: string }): Promise<StartResult>;
  getRun(runId: string, opts?: { steps?: "all" | "none" }): Promise<RunView>;
  signalRun(runId: string, signal: string, payload?: unknown): Promise<{ signalId: number }>;
  cancelRun(runId: string): Promise<{ status: "canceled" }>;
}

/**
 * A client for the runs of one deployment.
 * @example
 * const runs = createClient(env, registry);
 * const { runId } = await runs.startRun("greet", { name: "Ada" });
 * await runs.signalRun(runId, "approval", { approved: true });
 */
export function createClient(env: Env, registry: Registry): StepwiseClient {
  const stub = (runId: string) => {
    if (!RUN_ID_PATTERN.test(runId)) throw new StepwiseError("run.not_found", "no such run");
    return env.WORKFLOW_RUNS.getByName(runId);
  };
  return {
    async startRun(workflow, args, opts = {}) {
      const name = typeof workflow === "string" ? workflow : workflow.name;
      const def = registry.get(name);
      if (def === undefined) throw new StepwiseError("workflow.not_found", `no workflow named "${name}"`);
      // Validate here too, so bad args never create an object.
      const parsed = def.args.safeParse(args);
      if (!parsed.success) {
        throw new StepwiseError("run.invalid_args", `invalid args for workflow "${name}"`, {
          details: { issues: parsed.error.issues.map(({ path, message }) => ({ path: path.map(String), message })) },
        });
      }
      const runId = opts.runId ?? newRunId();
      return unwrap(await stub(runId).start({ runId, workflow: name, args }));
    },
    async getRun(runId, opts = {}) {
      return unwrap(await stub(runId).describe(opts));
    },
    async signalRun(runId, signal, payload) {
      return unwrap(await stub(runId).signal(signal, payload));
    },
    async cancelRun(runId) {
      return unwrap(await stub(runId).cancel());
    },
  };
}

export function newRunId(): string {
  return `run_${crypto.randomUUID().replaceAll("-", "")}`;
}
