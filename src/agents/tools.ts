// Agent tools: zod input schemas and a handler that knows the thread and run it serves. Errors a
// handler throws go back to the model as the tool's result (the `ai` SDK's tool-error), not lost.
import { tool, type Tool, type ToolSet } from "ai";
import type { z } from "zod";

/** What a tool handler receives besides its input. */
export interface ToolContext {
  env: Env;
  agentName: string;
  threadId: string | undefined;
  /** The workflow run, when the agent runs inside one. */
  runId: string | undefined;
  toolCallId: string;
  signal: AbortSignal | undefined;
}

/**
 * Whether a call needs a human's approval before it runs: always, never, or decided from its args. A
 * call that needs one waits, durably, until someone approves or denies it (see "Tool approvals").
 */
export type NeedsApproval<Args> = boolean | ((args: Args, ctx: Omit<ToolContext, "signal">) => boolean | Promise<boolean>);

export interface AgentTool<Args = any, Result = any> {
  readonly kind: "agent-tool";
  readonly description: string | undefined;
  readonly args: z.ZodType<Args>;
  readonly handler: (ctx: ToolContext, args: Args) => Promise<Result> | Result;
  readonly needsApproval: NeedsApproval<Args>;
}

/** An agent's tools: ours (with a ToolContext) or any `ai` SDK tool. */
export type AgentTools = Record<string, AgentTool | Tool>;

/**
 * Defines a tool. The model's input is parsed by `args` before the handler runs; a parse failure or
 * a thrown error is returned to the model as the tool's result.
 * @example
 * const getWeather = createTool({
 *   description: "Current weather for a city",
 *   args: z.object({ city: z.string() }),
 *   handler: async (ctx, { city }) => ({ city, tempC: 18 }),
 * });
 */
export function createTool<Schema extends z.ZodType, Result>(def: {
  description?: string;
  args: Schema;
  handler: (ctx: ToolContext, args: z.output<Schema>) => Promise<Result> | Result;
  /** Ask a human first (default false). @example needsApproval: ({ amountCents }) => amountCents > 10_000 */
  needsApproval?: NeedsApproval<z.output<Schema>>;
}): AgentTool<z.output<Schema>, Result> {
  return {
    kind: "agent-tool",
    description: def.description,
    // SAFETY: z.output<Schema> is what parsing with `args` yields; the ai SDK parses before calling.
    args: def.args as z.ZodType<z.output<Schema>>,
    handler: def.handler,
    needsApproval: def.needsApproval ?? false,
  };
}

function approvalOf(t: AgentTool, ctx: Omit<ToolContext, "toolCallId">) {
  const needs = t.needsApproval;
  if (typeof needs === "boolean") return needs;
  const { signal: _signal, ...rest } = ctx;
  return (input: unknown, opts: { toolCallId: string }) => needs(input, { ...rest, toolCallId: opts.toolCallId });
}

function isAgentTool(t: AgentTool | Tool): t is AgentTool {
  return (t as Partial<AgentTool>).kind === "agent-tool";
}

/** The `ai` SDK tool set for one call, each of our tools bound to the call's context. */
export function bindTools(tools: AgentTools, ctx: Omit<ToolContext, "toolCallId">): ToolSet {
  const out: ToolSet = {};
  for (const [name, t] of Object.entries(tools)) {
    out[name] = isAgentTool(t)
      ? tool({
          description: t.description,
          inputSchema: t.args,
          execute: async (input: unknown, opts) => t.handler({ ...ctx, toolCallId: opts.toolCallId, signal: opts.abortSignal ?? ctx.signal }, input),
          needsApproval: approvalOf(t, ctx),
        })
      : t;
  }
  return out;
}
