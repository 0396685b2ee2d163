// One agent turn against a thread: save (or find) the prompt, load the context, save each model step's
// messages as it ends, and mark the end of the answer. Shared by generateText, streamText, generateObject.
import type { LanguageModel, LanguageModelUsage, ModelMessage, StepResult, ToolSet } from "ai";
import { NonRetryableError, StepwiseError } from "../engine/index.ts";
import { unwrap } from "../kernel/index.ts";
import { resolveCtx, type AgentCtx } from "./ctx.ts";
import { planAnswer, sumUsage, toUsage } from "./core/context.ts";
import { messageText, toThreadMessage, type MessageRecord, type NewMessage, type ThreadModelMessage, type Usage } from "./core/message.ts";
import { modelName, resolveModel, type ModelOption } from "./models/select-model.ts";
import { appendMessages, threadStub } from "./threads.ts";
import { bindTools, type AgentTools } from "./tools.ts";
import type { AnswerStream } from "./streaming/answer-stream.ts";

/** Where an agent answers: a thread (history in, messages out) or nowhere (a stateless call). */
export interface ThreadTarget {
  threadId?: string;
}

/** A new prompt, or one already saved to the thread. */
export type PromptArgs = { prompt: string; promptMessageId?: undefined } | { promptMessageId: string; prompt?: undefined };

export interface TurnSettings {
  name: string;
  instructions: string | undefined;
  model: ModelOption | undefined;
  tools: AgentTools;
  recentMessages: number;
}

/** A turn ready to call the model, or already answered by messages saved earlier. */
export interface Turn {
  env: Env;
  signal: AbortSignal | undefined;
  threadId: string | undefined;
  /** The workflow run, when the call is a step of one. */
  runId: string | undefined;
  /** Whether the call has an idempotency key (an action step): the engine retries it if it is cut off. */
  durable: boolean;
  promptMessageId: string | undefined;
  model: LanguageModel;
  tools: ToolSet;
  /** This agent's responses saved so far (by an earlier attempt, then by this one). */
  responses: MessageRecord[];
  answered: boolean;
  /** What to send the model when not answered. */
  messages: ModelMessage[];
}

export async function prepareTurn(settings: TurnSettings, ctx: AgentCtx, target: ThreadTarget, args: PromptArgs): Promise<Turn> {
  const r = resolveCtx(ctx);
  const { threadId } = target;
  const model = resolveModel(settings.model, { env: r.env, agentName: settings.name, threadId, runId: r.runId });
  const tools = bindTools(settings.tools, { env: r.env, agentName: settings.name, threadId, runId: r.runId, signal: r.signal });
  const durable = "idempotencyKey" in ctx && typeof ctx.idempotencyKey === "string";
  const base = { env: r.env, signal: r.signal, threadId, runId: r.runId, durable, model, tools };
  if (threadId === undefined) {
    if (args.prompt === undefined) throw new NonRetryableError("promptMessageId needs a threadId", { code: "agent.invalid_call" });
    return { ...base, promptMessageId: undefined, responses: [], answered: false, messages: [{ role: "user", content: args.prompt }] };
  }
  let promptMessageId = args.promptMessageId;
  if (promptMessageId === undefined) {
    // Keyed by the step, so a retried attempt finds the prompt its first attempt saved.
    const [saved] = await appendMessages(r.env, threadId, [{ message: { role: "user", content: args.prompt! } }], r.nextKey(`agent.${settings.name}.prompt`));
    promptMessageId = saved!.id;
  }
  const context = unwrap(
    await threadStub(r.env, threadId).promptContext({ promptMessageId, agentName: settings.name, recentMessages: settings.recentMessages }),
  );
  const plan = planAnswer(context);
  return {
    ...base,
    promptMessageId,
    responses: plan.responses,
    answered: plan.kind === "answered",
    messages: plan.kind === "continue" ? plan.messages.map(toModelMessage) : [],
  };
}

/** Saves one model step's messages (usage on its first assistant message); returns them. */
export async function saveStep(
  settings: TurnSettings,
  turn: Turn,
  step: {
    messages: readonly unknown[];
    usage: LanguageModelUsage;
    finishReason: string;
    final: boolean;
    status?: "success" | "failed";
    error?: { code: string; message: string };
  },
): Promise<MessageRecord[]> {
  if (turn.threadId === undefined || turn.promptMessageId === undefined) return [];
  const name = modelName(turn.model);
  const kept = step.messages.map(toThreadMessage).filter((m): m is ThreadModelMessage => m !== null);
  if (kept.length === 0) return [];
  const firstAssistant = kept.findIndex((m) => m.role === "assistant");
  const batch: NewMessage[] = kept.map((message, i) => ({
    message,
    status: step.status ?? "success",
    agentName: settings.name,
    model: name.model,
    provider: name.provider,
    promptMessageId: turn.promptMessageId,
    ...(i === firstAssistant ? { usage: toUsage(step.usage), finishReason: step.finishReason } : {}),
    final: step.final && i === kept.length - 1,
    ...(step.error === undefined ? {} : { error: step.error }),
  }));
  if (step.status === "failed") return appendMessages(turn.env, turn.threadId, batch);
  // Keyed by position in the answer: an attempt that overlaps another cannot save the same step twice.
  const saved = await appendMessages(turn.env, turn.threadId, batch, `answer:${turn.promptMessageId}:${settings.name}:${turn.responses.length}`);
  turn.responses.push(...saved);
  return saved;
}

/** Makes sure the answer's last message is marked final (an answer stopped by `stopWhen` after tools). */
export async function finishTurn(turn: Turn): Promise<void> {
  const last = turn.responses.at(-1);
  if (turn.threadId === undefined || last === undefined || last.final) return;
  unwrap(await threadStub(turn.env, turn.threadId).markFinal(last.id));
  turn.responses[turn.responses.length - 1] = { ...last, final: true };
}

/** Collects `onStepEnd` saves, which the `ai` SDK would otherwise swallow, and stops the call on the first failure. */
export class StepSaver {
  readonly #controller = new AbortController();
  readonly #pending = new Set<Promise<void>>();
  #error: unknown = undefined;
  readonly signal: AbortSignal;

  /** `outer`: what stops the call (the step's signal, or the chat request's). */
  constructor(outer: AbortSignal | undefined) {
    this.signal = outer === undefined ? this.#controller.signal : AbortSignal.any([outer, this.#controller.signal]);
  }

  save(fn: () => Promise<unknown>): Promise<void> {
    const saving = (async () => {
      try {
        await fn();
      } catch (err) {
        this.#error ??= err;
        this.#controller.abort(err);
      }
    })();
    this.#pending.add(saving);
    void saving.finally(() => this.#pending.delete(saving));
    return saving;
  }

  /** Resolves once no save is running (an aborted call's finished steps are saved before its stream ends). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Throws the first save failure, if any, as a retryable error. */
  check(): void {
    if (this.#error === undefined) return;
    if (this.#error instanceof StepwiseError) throw this.#error;
    throw new StepwiseError("agent.save_failed", `saving the answer failed: ${String(this.#error)}`, { retryable: true, cause: this.#error });
  }
}

/** `answer`: the thread stream of a call without a token stream, which shows each step when it ends. */
export function onStepEnd(settings: TurnSettings, turn: Turn, saver: StepSaver, answer?: AnswerStream | null) {
  return (step: StepResult<ToolSet>) => {
    answer?.pushStep(step.content);
    // A step that called tools is never the end: the loop goes on, or finishTurn marks it when stopWhen ends it.
    // (Not the finish reason: Workers AI reports "stop" for some tool-call answers.)
    return saver.save(() =>
      saveStep(settings, turn, { messages: step.response.messages, usage: step.usage, finishReason: step.finishReason, final: step.toolCalls.length === 0 }),
    );
  };
}

/** The ids, text and total usage of the answer saved in the thread. */
export function answerSummary(turn: Turn): { messageId: string | null; messageIds: string[]; usage: Usage; text: string } {
  const last = turn.responses.at(-1);
  const lastAssistant = [...turn.responses].reverse().find((m) => m.role === "assistant");
  return {
    messageId: last?.id ?? null,
    messageIds: turn.responses.map((m) => m.id),
    usage: sumUsage(turn.responses),
    text: lastAssistant === undefined ? "" : messageText(lastAssistant.message),
  };
}

function toModelMessage(m: ThreadModelMessage): ModelMessage {
  // SAFETY: ThreadModelMessage is a subset of the ai SDK's ModelMessage (same roles, same part shapes).
  return m as ModelMessage;
}
