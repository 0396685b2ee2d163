// An agent answer's tokens as the usage of the workflow step that produced it: what an agent's actions
// (asTextAction, asObjectAction) report through `ctx.reportUsage`, so runs and step.usage() count them.
import type { ActionContext, UsageReport } from "../engine/index.ts";
import type { Usage } from "./core/message.ts";

/** What an agent call answers with, as far as its usage goes (AgentTextResult and AgentObjectResult). */
export interface AnswerUsage {
  usage: Usage;
  model: string;
  provider: string;
  promptMessageId: string | null;
}

/**
 * Reports an answer's usage to the action step that made it, and returns the answer. An answer saved in
 * a thread carries the usage of everything saved for it, earlier attempts' steps included (a retry
 * continues it, or returns it without calling the model), so it is reported under a key: the step counts
 * its latest report once. An answer with no thread was generated afresh by this attempt: no key.
 * @example
 * handler: async (ctx, args) => reportAnswerUsage(ctx, await agent.generateText(ctx, { threadId }, { prompt: args.prompt })),
 */
export function reportAnswerUsage<R extends AnswerUsage>(ctx: ActionContext, answer: R): R {
  // A context made by hand (a test calling an action's handler) may have no reportUsage: the answer, saved already, is what counts.
  if (typeof ctx.reportUsage === "function") ctx.reportUsage(answerReport({ ...answer, usage: stepUsageOf.get(answer) ?? answer.usage }));
  return answer;
}

/**
 * The part of an answer's usage its step made, when that is not the whole answer (an answer that went on
 * after decisions on its tool calls: the step before made the rest, and reported it). Set by the Agent.
 */
export const stepUsageOf = new WeakMap<object, Usage>();

/** The report of an answer, made to fit UsageReport whatever a provider said (reporting must never fail the step). */
export function answerReport(answer: AnswerUsage): UsageReport {
  const report: UsageReport = {
    model: answer.model.slice(0, 200) || "unknown",
    provider: answer.provider.slice(0, 200),
    inputTokens: tokens(answer.usage.inputTokens),
    outputTokens: tokens(answer.usage.outputTokens),
    totalTokens: tokens(answer.usage.totalTokens),
  };
  if (answer.promptMessageId !== null) report.key = `agent.answer:${answer.promptMessageId}`.slice(0, 200);
  return report;
}

function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
