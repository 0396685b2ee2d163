// A thread's saved messages as the chat shows them: the API's message rows parsed, and each turned into
// lines (text, tool calls), a mark (stopped, incomplete, failed) and its token usage. Pure: the server's
// render (src/ui/pages/chat.tsx) and the browser's (history.ts) both use it, so they draw the same thing.
// zod/mini, not zod: the full API's namespace drags 260 KB of locales into the browser bundle.
import * as z from "zod/mini";

const Part = z.looseObject({
  type: z.string(),
  text: z.optional(z.string()),
  toolName: z.optional(z.string()),
  input: z.optional(z.unknown()),
  output: z.optional(z.unknown()),
  approved: z.optional(z.boolean()),
  reason: z.optional(z.string()),
  approvalId: z.optional(z.string()),
});

type Part = z.infer<typeof Part>;

const Usage = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number(), reasoningTokens: z.optional(z.number()) });

/** One row of `GET /api/threads/:id/messages` (what the chat reads of it). */
export const ChatMessage = z.object({
  id: z.string(),
  role: z.string(),
  message: z.object({ content: z.union([z.string(), z.array(Part)]) }),
  text: z.string(),
  status: z.string(),
  agentName: z.nullable(z.string()),
  usage: z.optional(z.nullable(Usage)),
  finishReason: z.nullable(z.string()),
  promptMessageId: z.nullable(z.string()),
  error: z.nullable(z.object({ code: z.string(), message: z.string() })),
  createdAt: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const MessagePage = z.object({ messages: z.array(ChatMessage), nextCursor: z.nullable(z.string()) });

export interface Line {
  kind: "text" | "tool";
  text: string;
  /** A tool call that waits for approval: the approval it is (the page offers to decide it while undecided). */
  approvalId?: string;
}

export interface MessageView {
  /** The agent's name over an answer; none over the user's own words. */
  who: string | null;
  lines: Line[];
  /** Why an answer is not whole: "stopped", "incomplete", "failed"; with its message. */
  mark: { kind: string; text: string } | null;
  /** "12 in · 40 out tokens", for answers the model's usage was saved with. */
  usage: string | null;
}

/** A value in at most 200 characters, for tool inputs and outputs. */
export function short(value: unknown): string {
  const s = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** A tool result's output is `{ type, value }`: show the value. */
function outputOf(output: unknown): unknown {
  return typeof output === "object" && output !== null && "value" in output ? output.value : output;
}

export function formatUsage(u: NonNullable<ChatMessage["usage"]>): string {
  const reasoning = u.reasoningTokens ? ` (${u.reasoningTokens} reasoning)` : "";
  return `${u.inputTokens} in · ${u.outputTokens} out${reasoning} tokens`;
}

export function viewOf(m: ChatMessage): MessageView {
  const parts: Part[] = typeof m.message.content === "string" ? [{ type: "text", text: m.message.content }] : m.message.content;
  const lines: Line[] = [];
  for (const p of parts) {
    if (p.type === "text" && p.text) lines.push({ kind: "text", text: p.text });
    else if (p.type === "tool-call") lines.push({ kind: "tool", text: `→ ${p.toolName ?? "tool"}(${short(p.input)})` });
    else if (p.type === "tool-result") lines.push({ kind: "tool", text: `← ${p.toolName ?? "tool"}: ${short(outputOf(p.output))}` });
    else if (p.type === "tool-approval-request")
      lines.push({ kind: "tool", text: "… waits for approval", ...(p.approvalId ? { approvalId: p.approvalId } : {}) });
    else if (p.type === "tool-approval-response")
      lines.push({ kind: "tool", text: `${p.approved ? "✓ approved" : "✗ not approved"}${p.reason ? `: ${p.reason}` : ""}` });
  }
  const kind = m.finishReason === "aborted" ? "stopped" : m.error?.code === "answer.incomplete" ? "incomplete" : m.status === "failed" ? "failed" : null;
  return {
    who: m.role !== "user" && m.agentName ? m.agentName : null,
    lines,
    mark: kind === null ? null : { kind, text: kind + (m.error ? `: ${m.error.message}` : "") },
    usage: m.role === "assistant" && m.usage ? formatUsage(m.usage) : null,
  };
}

/**
 * The messages to list: an answer still streaming shows in its live bubble, not also here.
 * @example
 * visible(saved, new Set(answersInFlight.map((a) => a.promptMessageId)));
 */
/** The approvals whose decision the thread saved (a tool message answering them): nothing is left to decide. */
export function decidedApprovals(messages: readonly ChatMessage[]): Set<string> {
  const decided = new Set<string>();
  for (const m of messages) {
    if (typeof m.message.content === "string") continue;
    for (const p of m.message.content) if (p.type === "tool-approval-response" && p.approvalId !== undefined) decided.add(p.approvalId);
  }
  return decided;
}

export function visible(messages: readonly ChatMessage[], streamingPrompts: ReadonlySet<string>): ChatMessage[] {
  // A regenerated answer replaced what followed its prompt: that is kept in the thread, superseded, not shown.
  return messages.filter((m) => m.status !== "superseded" && (m.role === "user" || m.promptMessageId === null || !streamingPrompts.has(m.promptMessageId)));
}
