// Mocked steps: an action, a mutation or a child workflow answered by a value, an error or a function
// instead of its code, and the calls every action and mutation received, mocked or not.
import type { z } from "zod";
import { nameOf, type ActionContext, type AttemptCall, type ChildCall, type ChildStandIn, type Instrumentation, type Registry } from "../engine/index.ts";
import { issueDetailsWithKeys, issueSummary, NonRetryableError, toSerializedError } from "../kernel/index.ts";

/** How a mocked step answers: a value, an error, or a function of its args (which may return either, or throw). */
export type MockBehaviour = { returns: unknown } | { throws: unknown } | ((args: never, ctx: MockContext) => unknown);

/** What a mock function is told besides the args. */
export interface MockContext {
  runId: string;
  seq: number;
  attempt: number;
  /** The action context of the attempt (its env, signal and idempotency key); undefined for a child workflow. */
  action?: ActionContext;
}

/** One call a step received: an attempt of an action or mutation, or the start of a child workflow. */
export interface StepCallRecord {
  kind: "action" | "mutation" | "workflow";
  /** The registered name. */
  name: string;
  /** The step's own name in the journal (the registered name unless the step gave one). */
  step: string;
  args: unknown;
  runId: string;
  seq: number;
  /** 1 for a child workflow. */
  attempt: number;
  /** Whether a mock answered it. */
  mocked: boolean;
}

/** A mock, as `mock()` returns it: the calls it answered so far. */
export interface MockedStep {
  readonly name: string;
  readonly kind: "action" | "mutation" | "workflow";
  readonly calls: readonly StepCallRecord[];
}

export class Mocks {
  readonly #registry: Registry;
  readonly #behaviours = new Map<string, { kind: MockedStep["kind"]; behaviour: MockBehaviour }>();
  readonly #calls: StepCallRecord[] = [];

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /** Mocks the registered action, mutation or workflow `name`; fails on a name nothing registered. */
  mock(name: string, behaviour: MockBehaviour): MockedStep {
    const kind = this.#kindOf(name);
    if (typeof behaviour !== "function" && (typeof behaviour !== "object" || behaviour === null || !("returns" in behaviour || "throws" in behaviour))) {
      throw new TypeError(`mock("${name}", ...) takes { returns: value }, { throws: error } or a function of the step's args`);
    }
    this.#behaviours.set(name, { kind, behaviour });
    const calls = this.#calls;
    return {
      name,
      kind,
      get calls() {
        return calls.filter((c) => c.name === name && c.mocked);
      },
    };
  }

  /** Every call of `name` so far (mocked or not), oldest first. */
  calls(name: string): StepCallRecord[] {
    this.#kindOf(name);
    return this.#calls.filter((c) => c.name === name);
  }

  instrumentation(): Instrumentation {
    return {
      attempt: (call) => this.#attempt(call),
      child: (call) => this.#child(call),
    };
  }

  #attempt(call: AttemptCall): ((ctx: ActionContext) => Promise<unknown>) | undefined {
    const mocked = this.#behaviours.get(call.target);
    this.#calls.push({
      kind: call.kind,
      name: call.target,
      step: call.step,
      args: call.args,
      runId: call.runId,
      seq: call.seq,
      attempt: call.attempt,
      mocked: mocked !== undefined,
    });
    if (mocked === undefined) return undefined;
    const def = this.#registry.callable(call.target);
    return async (ctx) => {
      // The mock sees what the real code would: args that passed the definition's schema.
      const args = def === undefined ? call.args : parse(def.args, call.args, call.target);
      return answer(mocked.behaviour, args, { runId: call.runId, seq: call.seq, attempt: call.attempt, action: ctx });
    };
  }

  #child(call: ChildCall): Promise<ChildStandIn> | undefined {
    const mocked = this.#behaviours.get(call.workflow);
    this.#calls.push({
      kind: "workflow",
      name: call.workflow,
      step: call.workflow,
      args: call.args,
      runId: call.runId,
      seq: call.seq,
      attempt: 1,
      mocked: mocked !== undefined,
    });
    if (mocked === undefined) return undefined;
    return (async (): Promise<ChildStandIn> => {
      try {
        return { status: "completed", result: await answer(mocked.behaviour, call.args, { runId: call.runId, seq: call.seq, attempt: 1 }) };
      } catch (err) {
        const { code, message } = toSerializedError(err, "run.handler_failed");
        return { status: "failed", error: { code, message } };
      }
    })();
  }

  #kindOf(name: string): MockedStep["kind"] {
    const callable = this.#registry.callable(name);
    if (callable !== undefined) return callable.type;
    if (this.#registry.versions(name).length > 0) return "workflow";
    const known = [...this.#registry.callables().map((c) => nameOf(c)), ...this.#registry.list().map((w) => w.name)];
    const close = known.filter((k) => k.toLowerCase().includes(name.toLowerCase()) || name.toLowerCase().includes(k.toLowerCase()));
    throw new Error(
      `no action, mutation or workflow named "${name}" is registered, so there is nothing to mock${close.length > 0 ? `; did you mean ${close.map((c) => `"${c}"`).join(" or ")}?` : ""} (registered: ${[...new Set(known)].sort().join(", ")})`,
    );
  }
}

async function answer(behaviour: MockBehaviour, args: unknown, ctx: MockContext): Promise<unknown> {
  if (typeof behaviour === "function") return await (behaviour as (args: unknown, ctx: MockContext) => unknown)(args, ctx);
  if ("throws" in behaviour) throw behaviour.throws;
  return structuredClone(behaviour.returns);
}

/** The args as the real code would get them; the same non-retryable step failure as the engine's on bad ones. */
function parse(schema: z.ZodType, args: unknown, name: string): unknown {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  throw new NonRetryableError(`invalid args for "${name}": ${issueSummary(parsed.error)}`, {
    code: "step.invalid_args",
    details: issueDetailsWithKeys(parsed.error),
  });
}
