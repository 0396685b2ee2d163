// The seed's agent spelling: `new Agent(components.agent, { languageModel, ... })`, and
// `createThread(ctx, components.agent, args)` / `saveMessage(ctx, components.agent, args)`.
import {
  Agent as StepwiseAgent,
  createThread as createStepwiseThread,
  saveMessage as saveStepwiseMessage,
  type AgentOptions,
  type CreateThreadArgs,
  type ModelOption,
  type SaveMessageArgs,
  type ThreadCtx,
} from "../agents/index.ts";
import { expectComponent, type Component } from "./components.ts";

export interface ConvexAgentOptions extends Omit<AgentOptions, "name" | "model"> {
  /** Recorded with its messages. Default "agent". */
  name?: string;
  /** Default: the deployment's model (Workers AI with an `AI` binding, else the offline model). */
  languageModel?: ModelOption;
}

/**
 * Stepwise's Agent, built the seed's way. Its threads live in the `THREADS` objects.
 * @example
 * export const supportAgent = new Agent(components.agent, { name: "support", languageModel: workersai("@cf/meta/llama-3.3-70b-instruct-fp8-fast"), instructions: "..." });
 */
export class Agent extends StepwiseAgent {
  constructor(component: Component<"agent">, opts: ConvexAgentOptions) {
    expectComponent(component, "agent", "new Agent");
    const { name = "agent", languageModel, ...rest } = opts;
    super({ ...rest, name, ...(languageModel === undefined ? {} : { model: languageModel }) });
  }
}

/** Creates a thread: with a workflow `step`, a mutation step; returns `{ threadId }`. */
export function createThread(ctx: ThreadCtx, component: Component<"agent">, args: CreateThreadArgs): Promise<{ threadId: string }> {
  expectComponent(component, "agent", "createThread");
  return createStepwiseThread(ctx, args);
}

/** Saves a prompt (or a message) to a thread, once per step; returns `{ messageId }`. */
export function saveMessage(ctx: ThreadCtx, component: Component<"agent">, args: SaveMessageArgs): Promise<{ messageId: string; order: number }> {
  expectComponent(component, "agent", "saveMessage");
  return saveStepwiseMessage(ctx, args);
}
