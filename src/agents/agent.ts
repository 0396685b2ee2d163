// Agent: a model with instructions and tools that answers in a thread, over the `ai` SDK. Its calls
// take a Worker env, an action's context or a workflow `step` (then each call is an action step).
import {
  APICallError,
  generateText,
  NoObjectGeneratedError,
  NoOutputGeneratedError,
  Output,
  stepCountIs,
  streamText,
  type LanguageModelUsage,
  type StopCondition,
  type StreamTextResult,
  type ToolSet,
} from "ai";
import { z } from "zod";
import { defineAction, isStepContext, NonRetryableError, StepwiseError, type ActionDefinition, type ActionStepOptions } from "../engine/index.ts";
import type { AgentCtx, ThreadCtx } from "./ctx.ts";
import { toUsage } from "./core/context.ts";
import type { Usage } from "./core/message.ts";
import { modelName, type ModelOption } from "./models/select-model.ts";
import {
  answerSummary,
  finishTurn,
  usageSinceDecisions,
  onStepEnd,
  prepareTurn,
  saveStep,
  StepSaver,
  type PromptArgs,
  type ThreadTarget,
  type Turn,
  type TurnSettings,
} from "./agent-turn.ts";
import type { AgentTools } from "./tools.ts";
import { ToolDecision, type PendingApproval } from "./core/approval.ts";
import { awaitDecisions, checkApprovalSettings, type ApprovalSettings } from "./tool-approvals.ts";
import { answering, openAnswer } from "./streaming/agent-answer.ts";
import { finishChunk } from "./streaming/core/step-chunks.ts";
import { reportAnswerUsage, stepUsageOf } from "./usage.ts";

export type StopWhen = StopCondition<any, any> | StopCondition<any, any>[];

export interface AgentOptions {
  /** Recorded with every message it writes; also names its action steps. */
  name: string;
  instructions?: string;
  /** Default: the deployment's model (Workers AI with an `AI` binding, else offline). */
  model?: ModelOption;
  tools?: AgentTools;
  /** Default: one step without tools, up to five with them. */
  stopWhen?: StopWhen;
  contextOptions?: {
    /** How many earlier thread messages the model sees before the prompt. Default 100. */
    recentMessages?: number;
  };
  /**
   * The `ai` SDK's own retries per model call. Default 0: a workflow step's retry policy owns retries,
   * with durable backoff, and a retried step continues from what was saved.
   */
  maxRetries?: number;
  /**
   * How tool calls that need approval (a tool's `needsApproval`) wait for a human: how long, and who
   * gets a signed link by email when the agent runs in a workflow step. See "Tool approvals".
   */
  approvals?: ApprovalSettings;
}

/** What a text answer returns: small and JSON, so it can be a step's journaled result. */
export interface AgentTextResult {
  text: string;
  threadId: string | null;
  /** The prompt this answers (saved by the call, or passed in). */
  promptMessageId: string | null;
  /** The answer's last message. */
  messageId: string | null;
  /** Every message of the answer: tool calls and results, then the final text. */
  messageIds: string[];
  /** The answer's id: the UI message id its stream announced, and the id of its first message. */
  answerId: string | null;
  /**
   * Tool calls of the answer that wait for a human's decision (empty when the answer is finished). A
   * workflow's `agent.generateText(step, ...)` waits for them itself; any other caller passes the
   * decisions back (`decisions`) to go on.
   */
  pendingApprovals: PendingApproval[];
  usage: Usage;
  finishReason: string;
  model: string;
  /** The model's provider, as the thread's messages record it. */
  provider: string;
}

export interface AgentObjectResult<T> extends Omit<AgentTextResult, "text" | "finishReason" | "pendingApprovals"> {
  object: T;
}

/** An answer being streamed; `done` settles once it is saved. */
export interface AgentStream {
  promptMessageId: string | null;
  textStream: AsyncIterable<string>;
  /** The `ai` SDK's result, or null when the prompt was already answered (then `textStream` replays it). */
  result: StreamTextResult<ToolSet, any, any> | null;
  done: Promise<AgentTextResult>;
}

/**
 * Options of a call on a thread. Every call on a thread streams its answer to the thread's clients;
 * `stream: true` makes `generateText` call the model with a token stream (clients see it word by word)
 * instead of one answer per model step; `streamId` names the answer's stream (default: random).
 */
export interface CallOptions {
  stopWhen?: StopWhen;
  stream?: boolean;
  streamId?: string;
  /** The id a new answer takes (default: minted, or derived from the step's key). */
  answerId?: string;
  /** Decisions on the answer's tool calls that wait for approval: the answer goes on with them. */
  decisions?: readonly ToolDecision[];
}

/** The args of an agent's actions (`asTextAction`, `asObjectAction`). */
export const AgentActionArgs = z
  .object({
    threadId: z.string().optional(),
    prompt: z.string().min(1).optional(),
    promptMessageId: z.string().optional(),
    /** Decisions on tool calls the answer waits for (the workflow's own loop passes them). */
    decisions: z.array(ToolDecision).max(100).optional(),
  })
  .refine((a) => (a.prompt === undefined) !== (a.promptMessageId === undefined), { message: "pass exactly one of prompt and promptMessageId" });
export type AgentActionArgs = z.input<typeof AgentActionArgs>;

/**
 * @example
 * const weatherAgent = new Agent({
 *   name: "weather",
 *   instructions: "You are a weather reporter.",
 *   tools: { getWeather },
 *   stopWhen: stepCountIs(3),
 * });
 * const { text } = await weatherAgent.generateText(step, { threadId }, { prompt: "Weather in Paris?" });
 */
export class Agent {
  readonly name: string;
  readonly #settings: TurnSettings;
  readonly #stopWhen: StopWhen;
  readonly #maxRetries: number;
  /** How its tool calls wait for approval. */
  readonly approvals: ApprovalSettings | undefined;

  constructor(opts: AgentOptions) {
    checkApprovalSettings(opts.approvals);
    this.approvals = opts.approvals;
    this.name = opts.name;
    const tools = opts.tools ?? {};
    this.#settings = { name: opts.name, instructions: opts.instructions, model: opts.model, tools, recentMessages: opts.contextOptions?.recentMessages ?? 100 };
    this.#stopWhen = opts.stopWhen ?? stepCountIs(Object.keys(tools).length > 0 ? 5 : 1);
    this.#maxRetries = opts.maxRetries ?? 0;
  }

  /**
   * Answers a prompt in a thread: saves the prompt (unless `promptMessageId` names a saved one), sends
   * the recent history, saves every response message with its usage. With a workflow `step`, the call
   * is an action step (`stepOptions`: its retry policy, timeout, name).
   * @example
   * const { text } = await agent.generateText(env, { threadId }, { prompt: "Hello" });
   * const { text } = await agent.generateText(step, { threadId }, { prompt: "Hello" }, { retry: true });
   */
  async generateText(ctx: ThreadCtx, target: ThreadTarget, args: PromptArgs & CallOptions, stepOptions?: ActionStepOptions): Promise<AgentTextResult> {
    if (isStepContext(ctx)) {
      const action = this.asTextAction({ name: `${actionName(this.name)}.generateText`, stopWhen: args.stopWhen, stream: args.stream });
      let result = await ctx.runAction(action, { ...target, ...promptOf(args) }, stepOptions);
      // Tool calls that need approval: each decision is waited for durably, then a new step goes on.
      // (A result journaled before approvals existed has no pendingApprovals: it waits for nothing.)
      while ((result.pendingApprovals ?? []).length > 0 && result.threadId !== null && result.promptMessageId !== null) {
        const decisions = await awaitDecisions(ctx, {
          threadId: result.threadId,
          agentName: this.name,
          pending: result.pendingApprovals,
          settings: this.approvals,
        });
        result = await ctx.runAction(action, { threadId: result.threadId, promptMessageId: result.promptMessageId, decisions }, stepOptions);
      }
      return result;
    }
    if (args.stream === true) {
      const streamed = await this.streamText(ctx, target, args);
      // Reading the text drives the model stream even when no thread takes the UI chunks.
      try {
        for await (const _ of streamed.textStream);
      } catch {
        // The failure is in `done`, with its cause.
      }
      return streamed.done;
    }
    const turn = await prepareTurn(this.#settings, ctx, target, args);
    if (turn.answered || turn.pending.length > 0) return this.#textResult(turn);
    const answer = await openAnswer(turn, this.name, args.streamId);
    answer?.push({ type: "start", messageId: turn.answerId }, ...turn.decided);
    const saver = new StepSaver(turn.signal);
    return answering(answer, turn, saver, async () => {
      const result = await this.#call(saver, () =>
        generateText({ ...this.#callSettings(turn, saver, args.stopWhen), onStepEnd: onStepEnd(this.#settings, turn, saver, answer) }),
      );
      await finishTurn(turn);
      answer?.push(finishChunk(result.finishReason));
      return this.#textResult(turn, { text: result.text, finishReason: result.finishReason, usage: toUsage(result.usage) });
    });
  }

  /**
   * Streams an answer; messages are saved step by step as the stream is consumed.
   * @example
   * const { textStream, done } = await agent.streamText(env, { threadId }, { prompt: "Hello" });
   * for await (const chunk of textStream) write(chunk);
   * const { messageId } = await done;
   */
  async streamText(ctx: AgentCtx, target: ThreadTarget, args: PromptArgs & Omit<CallOptions, "stream">): Promise<AgentStream> {
    const turn = await prepareTurn(this.#settings, ctx, target, args);
    if (turn.answered || turn.pending.length > 0) {
      const saved = this.#textResult(turn);
      return { promptMessageId: turn.promptMessageId ?? null, textStream: replay(saved.text), result: null, done: Promise.resolve(saved) };
    }
    const answer = await openAnswer(turn, this.name, args.streamId);
    const saver = new StepSaver(turn.signal);
    const result = streamText({ ...this.#callSettings(turn, saver, args.stopWhen), onStepEnd: onStepEnd(this.#settings, turn, saver) });
    // The thread's clients read the UI message stream; the caller reads textStream (the SDK tees them).
    // It opens with the answer's id, then what the decisions this call applied did.
    answer?.push({ type: "start", messageId: turn.answerId }, ...turn.decided);
    const piped = answer === null ? Promise.resolve() : answer.pipe(result.toUIMessageStream({ sendStart: false })).catch(() => {});
    const done = answering(answer, turn, saver, async () => {
      try {
        const [text, finishReason, usage] = await this.#call(saver, async () => Promise.all([result.text, result.finishReason, result.usage]));
        await finishTurn(turn);
        return this.#textResult(turn, { text, finishReason, usage: toUsage(usage) });
      } finally {
        await piped;
      }
    });
    done.catch(() => {}); // the caller may only read the stream; the failure is still in `done`
    return { promptMessageId: turn.promptMessageId ?? null, textStream: result.textStream, result, done };
  }

  /**
   * Answers with an object matching `schema`. An answer that does not match is saved as a failed
   * message and fails the call with `agent.invalid_object` (retryable).
   * @example
   * const { object } = await agent.generateObject(env, { threadId }, { prompt, schema: z.object({ department: z.enum(["billing", "support"]) }) });
   */
  async generateObject<T>(
    ctx: ThreadCtx,
    target: ThreadTarget,
    args: PromptArgs & { schema: z.ZodType<T> },
    stepOptions?: ActionStepOptions,
  ): Promise<AgentObjectResult<T>> {
    if (isStepContext(ctx)) {
      const action = this.asObjectAction({ name: `${actionName(this.name)}.generateObject`, schema: args.schema });
      return ctx.runAction(action, { ...target, ...promptOf(args) }, stepOptions);
    }
    const turn = await prepareTurn(this.#settings, ctx, target, args);
    if (turn.answered) {
      const saved = args.schema.safeParse(parseJson(answerSummary(turn).text));
      if (saved.success) return this.#objectResult(turn, saved.data);
      // It was validated when saved, so the schema changed under a running workflow.
      throw new NonRetryableError("the saved answer no longer matches the schema", { code: "agent.invalid_object" });
    }
    const answer = await openAnswer(turn, this.name, undefined);
    answer?.push({ type: "start", messageId: turn.answerId });
    const saver = new StepSaver(turn.signal);
    const settings = this.#callSettings(turn, saver, stepCountIs(1));
    try {
      return await answering(answer, turn, saver, async () => {
        const result = await this.#call(saver, () => generateText({ ...settings, tools: undefined, output: Output.object({ schema: args.schema }) }));
        let output: T;
        try {
          // Read before saving: with no usable text (e.g. an answer cut off by its length, or only
          // reasoning) there is no output, and the answer must not be saved as final.
          output = result.output;
        } catch (err) {
          if (!NoOutputGeneratedError.isInstance(err) && !NoObjectGeneratedError.isInstance(err)) throw err;
          throw await this.#invalidObject(turn, { text: result.text, usage: result.usage, finishReason: result.finishReason, cause: err });
        }
        await saveStep(this.#settings, turn, { messages: result.responseMessages, usage: result.usage, finishReason: result.finishReason, final: true });
        answer?.pushStep([{ type: "text", text: result.text }]);
        answer?.push(finishChunk(result.finishReason));
        return this.#objectResult(turn, output);
      });
    } catch (err) {
      if (!NoObjectGeneratedError.isInstance(err)) throw err;
      throw await this.#invalidObject(turn, { text: err.text ?? "", usage: err.usage ?? NO_USAGE, finishReason: err.finishReason ?? "stop", cause: err });
    }
  }

  /** Saves an answer that is not an object of the schema as a failed message; the error fails the call (retryable). */
  async #invalidObject(turn: Turn, answer: { text: string; usage: LanguageModelUsage; finishReason: string; cause: Error }): Promise<StepwiseError> {
    const why = answer.cause.cause instanceof Error ? answer.cause.cause.message : answer.cause.message;
    const error = { code: "agent.invalid_object", message: `the model's answer does not match the schema: ${why}` };
    const message = { role: "assistant", content: [{ type: "text", text: answer.text }] };
    await saveStep(this.#settings, turn, {
      messages: [message],
      usage: answer.usage,
      finishReason: answer.finishReason,
      final: false,
      status: "failed",
      error,
    });
    return new StepwiseError(error.code, error.message, { retryable: true, cause: answer.cause });
  }

  /**
   * An action for `step.runAction`: args `{ threadId?, prompt }` or `{ threadId, promptMessageId }`.
   * Without `name` it is named by its export when its module is registered (`agents.generateSupport`),
   * so one agent can export several.
   * @example
   * export const generateSupport = supportAgent.asTextAction({ stopWhen: stepCountIs(10) });
   * const { text } = await step.runAction(generateSupport, { threadId, promptMessageId }, { retry: true });
   */
  asTextAction(opts: { name?: string; stopWhen?: StopWhen; stream?: boolean } = {}): ActionDefinition<AgentActionArgs, AgentTextResult> {
    return defineAction({
      ...(opts.name === undefined ? {} : { name: opts.name }),
      args: AgentActionArgs,
      // The answer's tokens count toward the step's run (usage.ts): what this step's own model calls used.
      handler: async (ctx, args) =>
        reportAnswerUsage(
          ctx,
          await this.generateText(
            ctx,
            { threadId: args.threadId },
            { ...toPromptArgs(args), stopWhen: opts.stopWhen, stream: opts.stream, ...(args.decisions === undefined ? {} : { decisions: args.decisions }) },
          ),
        ),
    });
  }

  /**
   * An action answering with an object validated by `schema`; named as `asTextAction`'s.
   * @example
   * export const triage = triageAgent.asObjectAction({ schema: z.object({ department: z.enum(["billing", "support"]) }) });
   */
  asObjectAction<T>(opts: { schema: z.ZodType<T>; name?: string }): ActionDefinition<AgentActionArgs, AgentObjectResult<T>> {
    return defineAction({
      ...(opts.name === undefined ? {} : { name: opts.name }),
      args: AgentActionArgs,
      handler: async (ctx, args) =>
        reportAnswerUsage(ctx, await this.generateObject(ctx, { threadId: args.threadId }, { ...toPromptArgs(args), schema: opts.schema })),
    });
  }

  #callSettings(turn: Turn, saver: StepSaver, stopWhen: StopWhen | undefined) {
    return {
      model: turn.model,
      instructions: this.#settings.instructions,
      messages: turn.messages,
      tools: turn.tools,
      stopWhen: stopWhen ?? this.#stopWhen,
      maxRetries: this.#maxRetries,
      abortSignal: saver.signal,
      // Thread messages are server-side data; a saved system message is meant for the model.
      allowSystemInMessages: true,
    };
  }

  /** Runs a model call; a failed save wins over the abort it caused; a 4xx from the model is not retried. */
  async #call<R>(saver: StepSaver, fn: () => PromiseLike<R>): Promise<R> {
    let result: R;
    try {
      result = await fn();
    } catch (err) {
      saver.check();
      if (APICallError.isInstance(err) && !err.isRetryable)
        throw new NonRetryableError(`the model refused the request: ${err.message}`, { code: "agent.model_rejected", cause: err });
      throw err;
    }
    saver.check();
    return result;
  }

  #textResult(turn: Turn, generated?: { text: string; finishReason: string; usage: Usage }): AgentTextResult {
    const summary = answerSummary(turn);
    const last = [...turn.responses].reverse().find((m) => m.role === "assistant");
    const result: AgentTextResult = {
      text: generated?.text ?? summary.text,
      threadId: turn.threadId ?? null,
      promptMessageId: turn.promptMessageId ?? null,
      messageId: summary.messageId,
      messageIds: summary.messageIds,
      answerId: turn.threadId === undefined ? null : turn.answerId,
      pendingApprovals: turn.pending,
      usage: turn.threadId === undefined && generated !== undefined ? generated.usage : summary.usage,
      finishReason: generated?.finishReason ?? last?.finishReason ?? "stop",
      ...modelName(turn.model),
    };
    // An answer that went on after decisions was partly made by earlier steps: this step reports its own part.
    if (turn.threadId !== undefined) stepUsageOf.set(result, usageSinceDecisions(turn.responses));
    return result;
  }

  #objectResult<T>(turn: Turn, object: T): AgentObjectResult<T> {
    const { text: _text, finishReason: _finish, pendingApprovals: _pending, ...rest } = this.#textResult(turn);
    return { ...rest, object };
  }
}

const NO_USAGE: LanguageModelUsage = {
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  inputTokenDetails: { noCacheTokens: undefined, cacheReadTokens: undefined, cacheWriteTokens: undefined },
  outputTokenDetails: { textTokens: undefined, reasoningTokens: undefined },
};

function promptOf(args: PromptArgs): { prompt: string } | { promptMessageId: string } {
  return args.promptMessageId !== undefined ? { promptMessageId: args.promptMessageId } : { prompt: args.prompt! };
}

function toPromptArgs(args: z.output<typeof AgentActionArgs>): PromptArgs {
  return args.promptMessageId !== undefined ? { promptMessageId: args.promptMessageId } : { prompt: args.prompt! };
}

/** An agent name as an action name: letters, digits, '_', '.', '-'. */
function actionName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "agent";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function* replay(text: string): AsyncIterable<string> {
  yield text;
}
