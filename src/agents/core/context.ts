// What an agent sends the model for a saved prompt, and whether that prompt is already answered.
// Pure: takes the thread's records, returns a decision; the agent does the I/O.
import type { LanguageModelUsage } from "ai";
import { pendingApprovals, type PendingApproval } from "./approval.ts";
import type { MessageRecord, ThreadModelMessage, Usage } from "./message.ts";

/** The prompt, the history before it, and the answer saved so far by the agent now answering. */
export interface AnswerContext {
  prompt: MessageRecord;
  /** Successful messages before the prompt, oldest first (already cut to the agent's window). */
  history: MessageRecord[];
  /** This agent's successful responses to the prompt, oldest first. */
  responses: MessageRecord[];
}

export type AnswerPlan =
  /** A finished answer is saved: return it, do not call the model. */
  | { kind: "answered"; responses: MessageRecord[] }
  /** Tool calls of the answer wait for a human's decision: nothing goes to the model until they are decided. */
  | { kind: "awaiting"; responses: MessageRecord[]; pending: PendingApproval[] }
  /** Call the model with these messages; it continues after any responses already saved. */
  | { kind: "continue"; messages: ThreadModelMessage[]; responses: MessageRecord[] };

/**
 * Decides how to answer a saved prompt. A retried step finds its own earlier responses here: a
 * finished answer is returned as is; a partial one (tool calls and results) is continued.
 * @example planAnswer({ prompt, history: [], responses: [] }) // { kind: "continue", messages: [prompt.message] }
 */
export function planAnswer(ctx: AnswerContext): AnswerPlan {
  const last = ctx.responses.at(-1);
  if (last?.final === true) return { kind: "answered", responses: ctx.responses };
  const pending = pendingApprovals(ctx.responses);
  if (pending.length > 0) return { kind: "awaiting", responses: ctx.responses, pending };
  // A window that starts inside a tool step would open with results whose calls it cut off.
  const start = ctx.history.findIndex((r) => r.role !== "tool");
  const history = start < 0 ? [] : ctx.history.slice(start);
  const messages = [...withoutOpenCalls(history.map((r) => r.message)), ctx.prompt.message, ...ctx.responses.map((r) => r.message)];
  return { kind: "continue", messages, responses: ctx.responses };
}

/**
 * The history without tool calls that never got a result (an earlier answer left waiting for an
 * approval when the next prompt came): models refuse a call with no result. A message left empty goes.
 */
function withoutOpenCalls(history: readonly ThreadModelMessage[]): ThreadModelMessage[] {
  const answered = new Set<string>();
  for (const m of history) if (m.role === "tool") for (const p of m.content) if (p.type === "tool-result") answered.add(p.toolCallId);
  return history.flatMap((m): ThreadModelMessage[] => {
    if (m.role !== "assistant" || typeof m.content === "string") return [m];
    const content = m.content.filter((p) => (p.type !== "tool-call" && p.type !== "tool-approval-request") || answered.has(p.toolCallId));
    if (content.length === m.content.length) return [m];
    return content.length === 0 ? [] : [{ ...m, content }];
  });
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** The `ai` SDK's usage of one call, as threads store it. */
export function toUsage(u: LanguageModelUsage): Usage {
  const inputTokens = u.inputTokens ?? 0;
  const outputTokens = u.outputTokens ?? 0;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: u.totalTokens ?? inputTokens + outputTokens };
  const reasoning = u.outputTokenDetails?.reasoningTokens;
  const cached = u.inputTokenDetails?.cacheReadTokens;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  if (cached !== undefined) usage.cachedInputTokens = cached;
  return usage;
}

/** The usage of an answer: the sum over its messages. */
export function sumUsage(records: readonly { usage: Usage | null }[]): Usage {
  const total: Usage = { ...ZERO_USAGE };
  for (const { usage } of records) {
    if (usage === null) continue;
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.totalTokens += usage.totalTokens;
    if (usage.reasoningTokens !== undefined) total.reasoningTokens = (total.reasoningTokens ?? 0) + usage.reasoningTokens;
    if (usage.cachedInputTokens !== undefined) total.cachedInputTokens = (total.cachedInputTokens ?? 0) + usage.cachedInputTokens;
  }
  return total;
}
