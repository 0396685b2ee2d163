// Tool approvals in a workflow: an agent step whose tool calls need a human ends with them waiting;
// the workflow asks for each decision (a request step: the thread learns which run waits, and a signed
// link is mailed when the agent names an approver), waits for it durably (a signal wait labeled
// "approval", decided by the link, the console, the API or the chat), and then goes on.
import { z } from "zod";
import { APPROVAL_LABEL, ApprovalDecision, mailApprovalLink, REQUEST_TOOL_APPROVAL_STEP, type ApprovalRequest } from "../approvals/index.ts";
import { defineAction, SIGNAL_NAME_PATTERN, type StepContext } from "../engine/index.ts";
import { sha256Hex, systemClock, unwrap } from "../kernel/index.ts";
import { TIMED_OUT_REASON, type PendingApproval, type ToolDecision } from "./core/approval.ts";
import { approvalStub } from "./durable/thread-rpc.ts";

/** How an agent asks for approvals: how long a decision may take, and who gets a link by email. */
export interface ApprovalSettings {
  /** How long a call waits before it is taken as not approved (the model is told so). Default 24 hours. */
  expiresIn?: number;
  /** Mail a signed approval link for each call to this address (in a workflow step; needs EMAIL and APPROVAL_SIGNING_KEY). */
  notify?: { to: string; subject?: string };
}

export const DEFAULT_APPROVAL_EXPIRY_MS = 24 * 60 * 60 * 1000;
const MIN_EXPIRY_MS = 1_000;
const MAX_EXPIRY_MS = 30 * 24 * 60 * 60 * 1000;

/** Checks an agent's approval settings when it is defined. */
export function checkApprovalSettings(s: ApprovalSettings | undefined): void {
  const ms = s?.expiresIn;
  if (ms !== undefined && (!Number.isInteger(ms) || ms < MIN_EXPIRY_MS || ms > MAX_EXPIRY_MS)) {
    throw new TypeError(`approvals.expiresIn must be a whole number of ms from ${MIN_EXPIRY_MS} to ${MAX_EXPIRY_MS}`);
  }
}

/** The signal a run waits on for one approval: derived from its id, within the signal name pattern. */
export async function toolApprovalSignal(approvalId: string): Promise<string> {
  const name = `tool-approval:${approvalId}`;
  return SIGNAL_NAME_PATTERN.test(name) ? name : `tool-approval:${(await sha256Hex(approvalId)).slice(0, 32)}`;
}

const RequestArgs = z.object({
  threadId: z.string(),
  approvalId: z.string().min(1).max(200),
  agentName: z.string().min(1).max(200),
  toolName: z.string().min(1).max(200),
  input: z.unknown(),
  expiresIn: z.number().int().min(MIN_EXPIRY_MS).max(MAX_EXPIRY_MS),
  to: z.email().optional(),
  subject: z.string().min(1).max(200).optional(),
});

/** What the request step journals: an ApprovalRequest (links and the console read it) and the call it is for. */
export type ToolApprovalRequest = ApprovalRequest & { seq: number; tool: { threadId: string; approvalId: string; toolName: string } };

/**
 * The request step: tells the thread which run waits for the decision (so the chat and the thread's API
 * send it there), and mails a signed link when the agent names an approver. Registered by createStepwise.
 */
export const requestToolApproval = defineAction({
  name: REQUEST_TOOL_APPROVAL_STEP,
  args: RequestArgs,
  handler: async (ctx, a): Promise<ToolApprovalRequest> => {
    const requestedAt = systemClock.now();
    const expiresAt = requestedAt + a.expiresIn;
    const signal = await toolApprovalSignal(a.approvalId);
    unwrap(await approvalStub(ctx.env, a.threadId).claimApproval({ approvalId: a.approvalId, runId: ctx.runId, signal, requestSeq: ctx.seq, expiresAt }));
    const subject = a.subject ?? `Approve ${a.toolName}?`;
    const summary = `The agent "${a.agentName}" wants to call the tool ${a.toolName} with:\n${clip(JSON.stringify(a.input ?? null, null, 2), 4000)}`;
    const requestedBy = `The agent "${a.agentName}"`;
    if (a.to !== undefined) await mailApprovalLink(ctx, { signal, to: a.to, subject, summary, requestedBy, expiresAt });
    return {
      signal,
      ...(a.to === undefined ? {} : { to: a.to }),
      subject,
      summary,
      requestedBy,
      requestedAt,
      expiresAt,
      seq: ctx.seq,
      tool: { threadId: a.threadId, approvalId: a.approvalId, toolName: a.toolName },
    };
  },
});

/**
 * Asks for a decision on each waiting call, then waits for all of them at once, durably: the run holds
 * no isolate while it waits. A wait that times out is a denial the model is told about.
 * @example
 * const decisions = await awaitDecisions(step, { threadId, agentName: "billing", pending, settings: { notify: { to: "ops@example.com" } } });
 */
export async function awaitDecisions(
  step: StepContext,
  o: { threadId: string; agentName: string; pending: readonly PendingApproval[]; settings: ApprovalSettings | undefined },
): Promise<ToolDecision[]> {
  const expiresIn = o.settings?.expiresIn ?? DEFAULT_APPROVAL_EXPIRY_MS;
  const requests: ToolApprovalRequest[] = [];
  for (const p of o.pending) {
    const args = {
      threadId: o.threadId,
      approvalId: p.approvalId,
      agentName: o.agentName,
      toolName: p.toolName,
      input: p.input,
      expiresIn,
      ...(o.settings?.notify === undefined
        ? {}
        : { to: o.settings.notify.to, ...(o.settings.notify.subject === undefined ? {} : { subject: o.settings.notify.subject }) }),
    };
    requests.push(await step.runAction(requestToolApproval, args, { retry: true, name: REQUEST_TOOL_APPROVAL_STEP }));
  }
  const answers = await Promise.all(
    requests.map((r) =>
      step.waitForSignal(r.signal, { timeout: r.expiresAt - r.requestedAt, schema: ApprovalDecision, label: APPROVAL_LABEL, forStep: r.seq }),
    ),
  );
  return requests.map((r, i) => {
    const d = answers[i];
    if (d === null || d === undefined) return { approvalId: r.tool.approvalId, approved: false, reason: TIMED_OUT_REASON, by: "timeout" };
    return {
      approvalId: r.tool.approvalId,
      approved: d.approved,
      ...(d.reason === undefined ? {} : { reason: d.reason }),
      ...(d.by === undefined ? {} : { by: d.by }),
    };
  });
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
