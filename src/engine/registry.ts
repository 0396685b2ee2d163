// The set of workflows a deployment knows, by name. The run object and the HTTP layer share one.
import type { AnyWorkflow, WorkflowDefinition } from "./workflow-api.ts";
import type { z } from "zod";

export class Registry {
  readonly #byName = new Map<string, AnyWorkflow>();

  constructor(workflows: readonly WorkflowDefinition<z.ZodType, any>[]) {
    for (const wf of workflows) {
      if (this.#byName.has(wf.name)) throw new TypeError(`workflow "${wf.name}" is defined twice`);
      // SAFETY: see AnyWorkflow in define.ts.
      this.#byName.set(wf.name, wf as AnyWorkflow);
    }
  }

  get(name: string): AnyWorkflow | undefined {
    return this.#byName.get(name);
  }

  list(): AnyWorkflow[] {
    return [...this.#byName.values()];
  }
}
