// `requestApproval(step, ...)`: a step that signs a link and emails it to the approver, then a durable
// wait for the decision. The journal keeps what was asked, never the token.
import { z } from "zod";
import { defineAction, NonRetryableError, SIGNAL_NAME_PATTERN, StepwiseError, type StepContext } from "../engine/index.ts";
import { systemClock } from "../kernel/index.ts";
import { deploymentOrigin, parseSigningKeys, signedApprovalLink, type SigningKeys } from "./core/index.ts";

/** No control characters: a line break in a header value would start a header of its own (`Bcc:`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is what this pattern is for.
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
const NO_CONTROL_MESSAGE = "must not contain control characters such as line breaks";

/**
 * The signal an approval link (or the console) delivers. A decision signaled through the API may leave out
 * decidedAt. `by`: the link's recipient, or "console"; `reason`: what the console's operator wrote.
 */
export const ApprovalDecision = z.object({
  approved: z.boolean(),
  decidedAt: z.number().optional(),
  by: z.string().max(500).optional(),
  reason: z.string().max(1000).optional(),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** What the request step journals, and what the approval page shows. */
export const ApprovalRequest = z.object({
  signal: z.string(),
  /** Who the link was mailed to; absent when none was (a tool approval decided in the chat, the API or the console). */
  to: z.string().optional(),
  subject: z.string(),
  summary: z.string(),
  requestedBy: z.string(),
  requestedAt: z.number(),
  expiresAt: z.number(),
  /** The request step's own seq (what the once-only key and the link name); absent on requests journaled before it was kept. */
  seq: z.number().int().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const REQUEST_APPROVAL_STEP = "stepwise.requestApproval";
/** The step that asks for a decision on an agent's tool call (src/agents/tool-approvals.ts). */
export const REQUEST_TOOL_APPROVAL_STEP = "stepwise.requestToolApproval";
/** The steps whose journaled result is an ApprovalRequest that links and the console may decide. */
export const APPROVAL_REQUEST_STEPS: ReadonlySet<string> = new Set([REQUEST_APPROVAL_STEP, REQUEST_TOOL_APPROVAL_STEP]);

/** The label of an approval's wait (`waitingFor`'s `label`), which tells a UI it may decide it. */
export const APPROVAL_LABEL = "approval";

/** The step that emails an approval link (registered by createStepwise, as the thread mutations are). */
export const sendApprovalRequest = defineAction({
  name: REQUEST_APPROVAL_STEP,
  args: z.object({
    signal: z.string().regex(SIGNAL_NAME_PATTERN),
    to: z.email().regex(NO_CONTROL, NO_CONTROL_MESSAGE),
    subject: z.string().min(1).max(200).regex(NO_CONTROL, NO_CONTROL_MESSAGE),
    summary: z.string().min(1).max(10_000),
    requestedBy: z.string().min(1).max(200),
    expiresIn: z
      .number()
      .int()
      .min(60_000)
      .max(30 * 24 * 60 * 60 * 1000),
  }),
  handler: async (ctx, a): Promise<ApprovalRequest> => {
    const requestedAt = systemClock.now();
    const expiresAt = requestedAt + a.expiresIn;
    await mailApprovalLink(ctx, { ...a, expiresAt });
    return { signal: a.signal, to: a.to, subject: a.subject, summary: a.summary, requestedBy: a.requestedBy, requestedAt, expiresAt, seq: ctx.seq };
  },
});

/**
 * Signs a link that decides the wait on `signal` after the request step `ctx.seq` (the calling step),
 * and emails it. Called by a request step, which journals what it asked.
 * @example
 * await mailApprovalLink(ctx, { signal, to: "ops@example.com", subject, summary, requestedBy: "billing agent", expiresAt });
 */
export async function mailApprovalLink(
  ctx: { env: Env; runId: string; seq: number },
  a: { signal: string; to: string; subject: string; summary: string; requestedBy: string; expiresAt: number },
): Promise<void> {
  const link = await signedApprovalLink(ctx.env, linkSettings(ctx.env), { runId: ctx.runId, signal: a.signal, seq: ctx.seq, expiresAt: a.expiresAt });
  const expires = new Date(a.expiresAt).toUTCString();
  const from = ctx.env.APPROVAL_FROM ?? "approvals@stepwise.invalid";
  if (!NO_CONTROL.test(from)) throw new NonRetryableError("APPROVAL_FROM holds a control character", { code: "approval.invalid_header" });
  if (!NO_CONTROL.test(a.to) || !NO_CONTROL.test(a.subject))
    throw new NonRetryableError("an approval's address or subject holds a control character", { code: "approval.invalid_header" });
  await ctx.env.EMAIL.send({
    from,
    to: a.to,
    subject: a.subject,
    text: `${a.requestedBy} asks for your decision:\n\n${a.summary}\n\nOpen this link to approve or reject (it expires ${expires}):\n${link}\n`,
    html: `<p>${escapeHtml(a.requestedBy)} asks for your decision:</p><blockquote>${escapeHtml(a.summary)}</blockquote><p><a href="${escapeHtml(link)}">Review and decide</a> (expires ${escapeHtml(expires)})</p>`,
  });
}

/**
 * Emails a signed approval link, then waits for the decision: `{ approved, decidedAt, by, reason? }`, or
 * `null` when the link expired first. Opening the link changes nothing; only its form decides, once. The
 * wait is labeled `"approval"` with the request step's seq, so an operator may decide it from the console
 * too (`POST /api/runs/:runId/approvals/:seq`); the first decision wins, from either.
 * @example
 * const decision = await requestApproval(step, {
 *   signal: "publish", to: "editor@example.com", subject: "Publish the draft?",
 *   summary: draft, expiresIn: 24 * 60 * 60 * 1000,
 * });
 * if (decision?.approved) await step.runMutation(publish, { text: draft });
 */
export async function requestApproval(
  step: StepContext,
  opts: { signal: string; to: string; subject: string; summary: string; expiresIn: number; requestedBy?: string },
): Promise<ApprovalDecision | null> {
  const request = await step.runAction(
    sendApprovalRequest,
    { ...opts, requestedBy: opts.requestedBy ?? "a Stepwise workflow" },
    { retry: true, name: REQUEST_APPROVAL_STEP },
  );
  try {
    // The API refuses a payload that is not a decision (400), so only decisions reach here. The marks only
    // label the wait: replay matches it by kind and name, so runs journaled without them replay as before.
    return await step.waitForSignal(opts.signal, { timeout: opts.expiresIn, schema: ApprovalDecision, label: APPROVAL_LABEL, forStep: request.seq });
  } catch (err) {
    // A wait journaled before waits had schemas may hold a payload that is not a decision: it approves nothing.
    if (err instanceof StepwiseError && err.code === "signal.invalid_payload") return { approved: false, by: "invalid decision payload" };
    throw err;
  }
}

/** The keys and the origin links are bound to, or a step failure that says what is wrong (retrying cannot fix a setting). */
function linkSettings(env: Env): { keys: SigningKeys; origin: string } {
  try {
    return { keys: parseSigningKeys(env.APPROVAL_SIGNING_KEY), origin: deploymentOrigin(env) };
  } catch (err) {
    const why = err instanceof TypeError ? "PUBLIC_BASE_URL is not a URL" : err instanceof Error ? err.message : String(err);
    throw new NonRetryableError(why, { code: "approval.not_configured" });
  }
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
