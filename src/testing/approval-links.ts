// The approval link a run's request step emailed, made again from its journal with the deployment's own
// key (the token is an HMAC of the same claims, so it is the same link), and decided through the app.
import { exports } from "cloudflare:workers";
import { APPROVAL_REQUEST_STEPS, ApprovalRequest, deploymentOrigin, parseSigningKeys, signedApprovalLink } from "../approvals/index.ts";
import type { StepView } from "../engine/index.ts";

/** What an approval page answered: its HTTP status and its heading ("Approved", "This link has expired"...). */
export interface LinkAnswer {
  status: number;
  title: string;
}

/** The link of the latest approval request of the run (for `signal`, when given). */
export async function approvalLink(env: Env, runId: string, steps: readonly StepView[], signal?: string): Promise<string> {
  const requests = steps
    .filter((s) => APPROVAL_REQUEST_STEPS.has(s.name) && s.status === "completed")
    .map((s) => ApprovalRequest.parse(s.result))
    .filter((r) => signal === undefined || r.signal === signal);
  const request = requests.at(-1);
  if (request === undefined) {
    throw new Error(`run ${runId} has sent no approval request${signal === undefined ? "" : ` for signal "${signal}"`} yet: nothing to decide`);
  }
  if (request.seq === undefined) throw new Error(`run ${runId}'s approval request was journaled without its seq: its link cannot be made again`);
  const settings = { keys: parseSigningKeys(env.APPROVAL_SIGNING_KEY), origin: deploymentOrigin(env) };
  return signedApprovalLink(env, settings, { runId, signal: request.signal, seq: request.seq, expiresAt: request.expiresAt });
}

/** Opens the link as the approver's browser would (GET, which changes nothing), then submits the decision. */
export async function decideByLink(link: string, decision: "approve" | "reject"): Promise<LinkAnswer> {
  const page = await appFetch(link, { method: "GET" });
  if (page.status !== 200 || !page.text.includes('name="decision"')) return { status: page.status, title: page.title };
  const decided = await appFetch(link, { method: "POST", body: new URLSearchParams({ decision }) });
  return { status: decided.status, title: decided.title };
}

async function appFetch(url: string, init: RequestInit): Promise<LinkAnswer & { text: string }> {
  // SAFETY: the Worker under test exports the Stepwise app as its default handler (the kit's precondition).
  const app = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default;
  const res = await app.fetch(new Request(url, init));
  const text = await res.text();
  const title = /<h1>([^<]*)<\/h1>/.exec(text)?.[1] ?? "";
  return { status: res.status, title: unescapeHtml(title), text };
}

function unescapeHtml(s: string): string {
  return s.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}
