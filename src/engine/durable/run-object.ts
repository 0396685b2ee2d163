// The run Durable Object: one per workflow run, a thin RPC and alarm dispatcher over RunEngine.
// Built by a factory so a deployment binds it to its own registry of workflows.
import { DurableObject } from "cloudflare:workers";
import type { Registry } from "../registry.ts";
import { RunEngine, type Outcome, type StartInput } from "./run-engine.ts";

export function createRunObject(registry: Registry) {
  return class WorkflowRun extends DurableObject<Env> {
    readonly #engine: RunEngine;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.#engine = new RunEngine(ctx, env, registry);
    }

    start(input: StartInput) {
      return this.#engine.start(input);
    }

    describe(opts: { steps?: "all" | "none" } = {}) {
      return this.#engine.describe(opts);
    }

    signal(name: string, payload: unknown) {
      return this.#engine.signal(name, payload);
    }

    cancel() {
      return this.#engine.cancel();
    }

    childFinished(seq: number, childRunId: string, outcome: Outcome) {
      return this.#engine.childFinished(seq, childRunId, outcome);
    }

    /** For tests and tools: resolves once the run has nothing executing (see RunEngine.settled). */
    settled(executing = 0) {
      return this.#engine.settled(executing);
    }

    override alarm() {
      return this.#engine.alarm();
    }
  };
}
