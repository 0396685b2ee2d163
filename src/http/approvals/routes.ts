// GET and POST /approvals/:token. GET only shows the request; POST verifies signature and expiry, then
// the run object accepts the first decision for that request atomically (a once-only signal).
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createClient, StepwiseError, type Registry } from "../../engine/index.ts";
import { log, systemClock } from "../../kernel/index.ts";
import { decisionPage, messagePage } from "./pages.ts";
import {
  approvalOnceKey,
  ApprovalRequest,
  deploymentOrigin,
  parseSigningKeys,
  APPROVAL_REQUEST_STEPS,
  sendDecision,
  verifyApprovalToken,
  type ApprovalClaims,
  type ApprovalDecision,
} from "../../approvals/index.ts";

type Loaded =
  | {
      ok: true;
      claims: ApprovalClaims;
      request: ApprovalRequest;
      workflow: string;
      runStatus: string;
      decided: { at: number; payload: unknown } | null;
      waitEnded: boolean;
    }
  | { ok: false; status: 403 | 404 | 410 | 500; title: string; message: string };

/** Only one decision per approval request, whichever link copy, tab or console it comes from. */
const onceKey = (claims: ApprovalClaims) => approvalOnceKey(claims.s, claims.q);

async function load(c: Context<{ Bindings: Env }>, registry: Registry): Promise<Loaded> {
  let keys;
  try {
    keys = parseSigningKeys(c.env.APPROVAL_SIGNING_KEY);
  } catch {
    log.error("approval pages: APPROVAL_SIGNING_KEY is missing or invalid (see /healthz)");
    return { ok: false, status: 500, title: "Unavailable", message: "Approvals are not configured on this server." };
  }
  let origin: string;
  try {
    origin = deploymentOrigin(c.env);
  } catch {
    log.error("approval pages: PUBLIC_BASE_URL is not a URL");
    return { ok: false, status: 500, title: "Unavailable", message: "Approvals are not configured on this server." };
  }
  const verified = await verifyApprovalToken(c.req.param("token") ?? "", keys, { now: systemClock.now(), origin });
  if (!verified.ok) {
    return verified.reason === "expired"
      ? { ok: false, status: 410, title: "This link has expired", message: "The decision window has closed. Ask for a new link if a decision is still needed." }
      : { ok: false, status: 403, title: "Invalid link", message: "This approval link is not valid. Use the link from the email exactly as sent." };
  }
  const { claims } = verified;
  let info;
  try {
    info = await createClient(c.env, registry).getStepInfo(claims.r, claims.q, { onceKey: onceKey(claims), waitFor: claims.s });
  } catch (err) {
    if (err instanceof StepwiseError && err.code === "run.not_found")
      return { ok: false, status: 404, title: "Not found", message: "This request no longer exists." };
    throw err;
  }
  const request = ApprovalRequest.safeParse(info.step?.result);
  if (
    info.step == null ||
    !APPROVAL_REQUEST_STEPS.has(info.step.name) ||
    info.step.status !== "completed" ||
    !request.success ||
    request.data.signal !== claims.s
  ) {
    return { ok: false, status: 403, title: "Invalid link", message: "This approval link does not match a request." };
  }
  // The request's wait is the first wait on its signal after it; once that ended (timed out, or a
  // signal from elsewhere decided it), this link has nothing left to decide.
  const waitEnded = info.wait !== null && info.wait.status !== "waiting";
  return { ok: true, claims, request: request.data, workflow: info.workflow, runStatus: info.runStatus, decided: info.signaled, waitEnded };
}

const WAIT_ENDED = "The workflow no longer waits for this decision (it timed out, or was decided another way). Nothing has changed.";

function decidedText(decided: { at: number; payload: unknown }): string {
  const d = decided.payload as Partial<ApprovalDecision> | null;
  return `It was ${d?.approved ? "approved" : "rejected"} on ${new Date(decided.at).toUTCString()}. Nothing has changed.`;
}

export function approvalRoutes(registry: Registry) {
  return new Hono<{ Bindings: Env }>()
    .use(async (c, next) => {
      await next();
      // Links travel in email: nothing cached, nothing leaked through Referer, nothing framed or scripted.
      c.header("Cache-Control", "no-store");
      c.header("Referrer-Policy", "no-referrer");
      c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      c.header("X-Robots-Tag", "noindex");
    })
    .get("/:token", async (c) => {
      const l = await load(c, registry);
      if (!l.ok) return c.html(messagePage(l.title, l.message), l.status);
      if (l.decided !== null) return c.html(messagePage("Already decided", decidedText(l.decided)));
      if (l.runStatus !== "running")
        return c.html(messagePage("This request is closed", `The workflow has already finished (${l.runStatus}); there is nothing left to decide.`));
      if (l.waitEnded) return c.html(messagePage("This request is closed", WAIT_ENDED));
      return c.html(decisionPage(l.request, l.workflow));
    })
    .post("/:token", bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.html(messagePage("Too large", "That request was too large."), 413) }), async (c) => {
      const l = await load(c, registry);
      if (!l.ok) return c.html(messagePage(l.title, l.message), l.status);
      // A body that is not a form (or a broken one) decides nothing.
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const choice = form.decision;
      if (choice !== "approve" && choice !== "reject") return c.html(messagePage("No decision", "Choose Approve or Reject."), 400);
      if (l.decided !== null) return c.html(messagePage("Already decided", decidedText(l.decided)), 409);
      const decision: ApprovalDecision = { approved: choice === "approve", decidedAt: systemClock.now(), by: l.request.to ?? "approval link" };
      // The run object refuses the decision, atomically with accepting it, once the request's wait ended.
      const sent = await sendDecision(createClient(c.env, registry), { runId: l.claims.r, signal: l.claims.s, requestSeq: l.claims.q, decision });
      if (!sent.ok && sent.refused === "already_decided")
        return c.html(messagePage("Already decided", "Another decision arrived first. Nothing has changed."), 409);
      if (!sent.ok && sent.refused === "run_finished") {
        return c.html(messagePage("This request is closed", "The workflow has already finished; there is nothing left to decide."), 409);
      }
      if (!sent.ok) return c.html(messagePage("This request is closed", WAIT_ENDED), 409);
      return c.html(messagePage(decision.approved ? "Approved" : "Rejected", "Thank you. Your decision has been recorded and the workflow continues."));
    });
}
