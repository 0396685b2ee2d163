// One agent turn against a thread: save (or find) the prompt, load the context, save each model step's
// messages as it ends, and mark the end of the answer. Shared by generateText, streamText, generateObject.
import { asSchema, type LanguageModel, type LanguageModelUsage, type ModelMessage, type StepResult, type Tool, type ToolSet } from "ai";
import { NonRetryableError, StepwiseError } from "../engine/index.ts";
import { mintId, sha256Hex, unwrap } from "../kernel/index.ts";
import { resolveCtx, type AgentCtx } from "./ctx.ts";
import { pendingApprovals, type PendingApproval, type ToolDecision } from "./core/approval.ts";
import { planAnswer, sumUsage, toUsage } from "./core/context.ts";
import {
  messageText,
  toThreadMessage,
  type MessageRecord,
  type NewMessage,
  type ThreadModelMessage,
  type ToolResultOutput,
  type Usage,
} from "./core/message.ts";
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

/** What goes on an answer already begun: decisions on its tool calls that wait for approval; the id a new answer takes. */
export interface TurnOptions {
  decisions?: readonly ToolDecision[];
  answerId?: string;
}

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
  /** The answer's id: its stream's UI message id, its first message's id, on every message of it. */
  answerId: string;
  model: LanguageModel;
  tools: ToolSet;
  /** This agent's responses saved so far (by an earlier attempt, then by this one). */
  responses: MessageRecord[];
  answered: boolean;
  /** Tool calls of the answer that wait for a human's decision: the model is not called until none does. */
  pending: PendingApproval[];
  /** Chunks that tell a chat client what the decisions applied by this turn did (sent after `start`). */
  decided: Record<string, unknown>[];
  /** What to send the model when not answered and nothing waits. */
  messages: ModelMessage[];
}

export async function prepareTurn(settings: TurnSettings, ctx: AgentCtx, target: ThreadTarget, args: PromptArgs & TurnOptions): Promise<Turn> {
  const r = resolveCtx(ctx);
  const { threadId } = target;
  const model = resolveModel(settings.model, { env: r.env, agentName: settings.name, threadId, runId: r.runId });
  const tools = bindTools(settings.tools, { env: r.env, agentName: settings.name, threadId, runId: r.runId, signal: r.signal });
  const durable = "idempotencyKey" in ctx && typeof ctx.idempotencyKey === "string";
  // A step's answer has the same id in every attempt (an overlapping attempt saves under the same keys).
  const answerKey = r.nextKey(`agent.${settings.name}.answer`);
  const newAnswerId = args.answerId ?? (answerKey === undefined ? mintId("msg") : `msg_${(await sha256Hex(answerKey)).slice(0, 32)}`);
  const base = { env: r.env, signal: r.signal, threadId, runId: r.runId, durable, model, tools, pending: [], decided: [] };
  if (threadId === undefined) {
    if (args.prompt === undefined) throw new NonRetryableError("promptMessageId needs a threadId", { code: "agent.invalid_call" });
    return { ...base, answerId: newAnswerId, promptMessageId: undefined, responses: [], answered: false, messages: [{ role: "user", content: args.prompt }] };
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
  const first = context.responses[0];
  const turn: Turn = {
    ...base,
    promptMessageId,
    answerId: first === undefined ? newAnswerId : (first.answerId ?? first.id),
    responses: context.responses,
    answered: false,
    messages: [],
  };
  let plan = planAnswer(context);
  if (plan.kind === "awaiting" && args.decisions !== undefined && args.decisions.length > 0) {
    turn.decided = await applyDecisions(settings, turn, plan.pending, args.decisions);
    plan = planAnswer({ ...context, responses: turn.responses });
  }
  turn.answered = plan.kind === "answered";
  turn.pending = plan.kind === "awaiting" ? plan.pending : [];
  turn.messages = plan.kind === "continue" ? plan.messages.map(toModelMessage) : [];
  return turn;
}

/**
 * Saves the decisions taken on an answer's waiting tool calls, with what each did, as one tool message:
 * an approved call runs now (its result saved with the decision, so no later attempt runs it again); a
 * denied or timed-out one never runs, and the model is told why. Returns the chunks that show it.
 */
async function applyDecisions(
  settings: TurnSettings,
  turn: Turn,
  pending: readonly PendingApproval[],
  decisions: readonly ToolDecision[],
): Promise<Record<string, unknown>[]> {
  const byId = new Map(decisions.map((d) => [d.approvalId, d]));
  const decided = pending.filter((p) => byId.has(p.approvalId));
  if (decided.length === 0 || turn.threadId === undefined) return [];
  const responses: ThreadModelMessage & { role: "tool" } = { role: "tool", content: [] };
  const chunks: Record<string, unknown>[] = [];
  for (const p of decided) {
    const d = byId.get(p.approvalId)!;
    // The saved part and the UI chunk have one shape.
    const response = {
      type: "tool-approval-response" as const,
      approvalId: p.approvalId,
      approved: d.approved,
      ...(d.reason === undefined ? {} : { reason: d.reason }),
    };
    responses.content.push(response);
    chunks.push(response);
  }
  for (const p of decided) {
    const d = byId.get(p.approvalId)!;
    const output: ToolResultOutput = d.approved
      ? await runTool(turn.tools[p.toolName], p, turn.signal)
      : { type: "execution-denied", ...(d.reason === undefined ? {} : { reason: d.reason }) };
    responses.content.push({ type: "tool-result", toolCallId: p.toolCallId, toolName: p.toolName, output });
    chunks.push(
      output.type === "execution-denied"
        ? { type: "tool-output-denied", toolCallId: p.toolCallId }
        : output.type === "error-text" || output.type === "error-json"
          ? { type: "tool-output-error", toolCallId: p.toolCallId, errorText: typeof output.value === "string" ? output.value : JSON.stringify(output.value) }
          : { type: "tool-output-available", toolCallId: p.toolCallId, output: output.value ?? null },
    );
  }
  const message: NewMessage = {
    message: responses,
    agentName: settings.name,
    promptMessageId: turn.promptMessageId,
    answerId: turn.answerId,
    ...modelName(turn.model),
  };
  const key = `decisions:${turn.answerId}:${decided.map((p) => p.approvalId).join(",")}`;
  turn.responses.push(...(await appendMessages(turn.env, turn.threadId, [message], key)));
  return chunks;
}

/** Runs an approved tool call as the SDK would have (its input checked again by the tool's schema); a failure is its result. */
async function runTool(tool: Tool | undefined, call: PendingApproval, signal: AbortSignal | undefined): Promise<ToolResultOutput> {
  if (tool?.execute === undefined) return { type: "error-text", value: `the tool ${call.toolName} cannot run here` };
  try {
    let input = call.input;
    if (tool.inputSchema !== undefined) {
      const checked = await asSchema(tool.inputSchema).validate?.(input);
      if (checked !== undefined && !checked.success) return { type: "error-text", value: `invalid input for ${call.toolName}: ${checked.error.message}` };
      if (checked !== undefined) input = checked.value;
    }
    const ran: unknown = await tool.execute(input, { toolCallId: call.toolCallId, messages: [], abortSignal: signal, context: undefined });
    let output = ran;
    if (ran !== null && typeof ran === "object" && Symbol.asyncIterator in ran) {
      // A tool that streams preliminary results: the last one is its result.
      for await (const v of ran as AsyncIterable<unknown>) output = v;
    }
    return typeof output === "string" ? { type: "text", value: output } : { type: "json", value: output ?? null };
  } catch (err) {
    return { type: "error-text", value: err instanceof Error ? err.message : String(err) };
  }
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
    // The answer's first message takes the answer's id (the id its stream announced).
    ...(turn.responses.length === 0 && i === 0 && step.status !== "failed" ? { id: turn.answerId } : {}),
    answerId: turn.answerId,
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
  const saved = await appendMessages(turn.env, turn.threadId, batch, `answer:${turn.answerId}:${turn.responses.length}`);
  turn.responses.push(...saved);
  return saved;
}

/** Makes sure the answer's last message is marked final (an answer stopped by `stopWhen` after tools). */
export async function finishTurn(turn: Turn): Promise<void> {
  // An answer whose tool calls wait for approval is not finished: it goes on once they are decided.
  turn.pending = pendingApprovals(turn.responses);
  const last = turn.responses.at(-1);
  if (turn.threadId === undefined || last === undefined || last.final || turn.pending.length > 0) return;
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

/**
 * The usage of the answer's messages after its last saved decisions: what the step that went on after
 * them spent (the steps before reported the rest). The whole answer when nothing was decided.
 */
export function usageSinceDecisions(responses: readonly MessageRecord[]): Usage {
  let from = 0;
  responses.forEach((r, i) => {
    if (r.message.role === "tool" && r.message.content.some((p) => p.type === "tool-approval-response")) from = i + 1;
  });
  return sumUsage(responses.slice(from));
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
