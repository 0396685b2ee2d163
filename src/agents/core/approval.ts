// Tool calls that wait for a human: what a thread keeps of each, the decisions that end the wait, and
// which calls of an answer still wait. Pure; the thread store and the agent turn do the I/O.
import { z } from "zod";
import type { MessageRecord, ThreadModelMessage } from "./message.ts";

export const ApprovalStatus = z.enum(["pending", "approved", "denied", "expired", "canceled"]);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Who waits for the decision: the thread's own chat answer, a workflow run's step, or nobody (a Worker call's caller passes it back). */
export const ApprovalOwner = z.enum(["thread", "run"]);
export type ApprovalOwner = z.infer<typeof ApprovalOwner>;

/** One tool call waiting for (or past) a human's decision, as the thread keeps it. */
export const ToolApproval = z.object({
  approvalId: z.string(),
  threadId: z.string(),
  answerId: z.string(),
  promptMessageId: z.string(),
  agentName: z.string(),
  toolCallId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  owner: ApprovalOwner.nullable(),
  runId: z.string().nullable(),
  status: ApprovalStatus,
  reason: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.number().nullable(),
  /** When the decision was saved in the thread (after which the tool ran, or was refused). */
  appliedAt: z.number().nullable(),
  expiresAt: z.number().nullable(),
  createdAt: z.number(),
});
export type ToolApproval = z.infer<typeof ToolApproval>;

/** A human's decision on one approval request. */
export const ToolDecision = z.object({
  approvalId: z.string().min(1).max(200),
  approved: z.boolean(),
  reason: z.string().max(1000).optional(),
  /** Who decided: a link's recipient, "console", "chat", "api", or "timeout". */
  by: z.string().max(500).optional(),
});
export type ToolDecision = z.infer<typeof ToolDecision>;

/** A tool call of an answer that has no decision saved yet. */
export interface PendingApproval {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** What the model is told when nobody decided in time. */
export const TIMED_OUT_REASON = "No one approved this tool call in time, so it did not run.";

/**
 * The approval requests of an answer's messages that no saved decision answers yet, in order.
 * @example pendingApprovals([assistantWithRequest]) // [{ approvalId: "a1", toolCallId: "c1", toolName: "refund", input: {...} }]
 */
export function pendingApprovals(responses: readonly Pick<MessageRecord, "message">[]): PendingApproval[] {
  const calls = new Map<string, { toolName: string; input: unknown }>();
  const asked: { approvalId: string; toolCallId: string }[] = [];
  const decided = new Set<string>();
  for (const { message } of responses) {
    if (typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type === "tool-call") calls.set(part.toolCallId, { toolName: part.toolName, input: part.input });
      else if (part.type === "tool-approval-request") asked.push({ approvalId: part.approvalId, toolCallId: part.toolCallId });
      else if (part.type === "tool-approval-response") decided.add(part.approvalId);
    }
  }
  return asked.flatMap((a) => {
    const call = calls.get(a.toolCallId);
    return decided.has(a.approvalId) || call === undefined ? [] : [{ ...a, ...call }];
  });
}

/** The approval requests one message makes, with the calls they are for. */
export function approvalRequestsOf(message: ThreadModelMessage): PendingApproval[] {
  return pendingApprovals([{ message }]);
}

/** The decisions one message saves. */
export function approvalResponsesOf(message: ThreadModelMessage): { approvalId: string; approved: boolean; reason: string | undefined }[] {
  if (message.role !== "tool") return [];
  return message.content.flatMap((p) => (p.type === "tool-approval-response" ? [{ approvalId: p.approvalId, approved: p.approved, reason: p.reason }] : []));
}
