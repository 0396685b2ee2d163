// A thread's messages as the `ai` SDK's UI messages: what a `useChat` client shows, with the ids it
// knows. A prompt is one user message (its id the client's); an answer, whatever messages it was saved
// as (tool calls, results, decisions, text), is one assistant message whose id is the answer's id, the
// one its stream announced. Pure.
import type { UIMessage } from "ai";
import type { MessageRecord } from "./message.ts";

type Part = UIMessage["parts"][number];
/** A tool part while it is built (the SDK's ToolUIPart, loosely typed: its states are a union). */
type ToolPart = Record<string, unknown> & { type: string; toolCallId: string; state: string };

/**
 * Groups messages (oldest first, superseded ones left out by the caller) into UI messages. An answer
 * that has successful messages shows only those; one with none shows what was saved of it (a cut-off
 * or failed answer's partial text), as its client saw.
 * @example toUIMessages([prompt, toolCall, toolResult, finalText]) // [{ id: prompt.id, role: "user" }, { id: answerId, role: "assistant", parts: [...] }]
 */
export function toUIMessages(records: readonly MessageRecord[]): UIMessage[] {
  const groups: { id: string; role: "user" | "assistant"; records: MessageRecord[] }[] = [];
  const byAnswer = new Map<string, (typeof groups)[number]>();
  for (const r of records) {
    if (r.status === "superseded" || r.role === "system") continue;
    if (r.role === "user") {
      groups.push({ id: r.id, role: "user", records: [r] });
      continue;
    }
    const answerId = r.answerId ?? r.id;
    const group = byAnswer.get(answerId);
    if (group !== undefined) group.records.push(r);
    else {
      const created = { id: answerId, role: "assistant" as const, records: [r] };
      byAnswer.set(answerId, created);
      groups.push(created);
    }
  }
  return groups.map((g) => {
    if (g.role === "user") return { id: g.id, role: "user", parts: [{ type: "text", text: g.records[0]!.text }] };
    const ok = g.records.filter((r) => r.status === "success");
    return { id: g.id, role: "assistant", parts: answerParts(ok.length > 0 ? ok : g.records) };
  });
}

function answerParts(records: readonly MessageRecord[]): Part[] {
  const parts: Record<string, unknown>[] = [];
  const tools = new Map<string, ToolPart>();
  const byApproval = new Map<string, ToolPart>();
  for (const { message } of records) {
    if (message.role === "assistant") {
      parts.push({ type: "step-start" });
      const content = typeof message.content === "string" ? [{ type: "text" as const, text: message.content }] : message.content;
      for (const p of content) {
        if (p.type === "text" || p.type === "reasoning") {
          if (p.text !== "") parts.push({ type: p.type, text: p.text, state: "done" });
        } else if (p.type === "tool-call") {
          const tool: ToolPart = { type: `tool-${p.toolName}`, toolCallId: p.toolCallId, state: "input-available", input: p.input };
          tools.set(p.toolCallId, tool);
          parts.push(tool);
        } else if (p.type === "tool-approval-request") {
          const tool = tools.get(p.toolCallId);
          if (tool === undefined) continue;
          tool.state = "approval-requested";
          tool.approval = { id: p.approvalId };
          byApproval.set(p.approvalId, tool);
        } else if (p.type === "tool-result") {
          settle(tools.get(p.toolCallId), p.output);
        }
      }
    } else if (message.role === "tool") {
      for (const p of message.content) {
        if (p.type === "tool-approval-response") {
          const tool = byApproval.get(p.approvalId);
          if (tool === undefined) continue;
          tool.state = "approval-responded";
          tool.approval = { id: p.approvalId, approved: p.approved, ...(p.reason === undefined ? {} : { reason: p.reason }) };
        } else settle(tools.get(p.toolCallId), p.output);
      }
    }
  }
  // SAFETY: each part is built in the shape of the SDK's part of its type (a ToolUIPart for its state).
  return parts as unknown as Part[];
}

/** A tool's outcome on its part: its output, its error, or its refusal. */
function settle(tool: ToolPart | undefined, output: { type: string; value?: unknown; reason?: string }): void {
  if (tool === undefined) return;
  if (output.type === "execution-denied") {
    tool.state = "output-denied";
    const approval = (tool.approval as Record<string, unknown> | undefined) ?? {};
    tool.approval = { ...approval, approved: false, ...(output.reason === undefined ? {} : { reason: output.reason }) };
  } else if (output.type === "error-text" || output.type === "error-json") {
    tool.state = "output-error";
    tool.errorText = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
  } else {
    tool.state = "output-available";
    tool.output = output.value;
  }
}
