// Where approval links point and which origin they are bound to: PUBLIC_BASE_URL's, or local development's.
// Read by the request step (the link it mails), the approval routes (the origin they accept) and /healthz.
import { signApprovalToken, type SigningKeys } from "./token.ts";

/** Used when PUBLIC_BASE_URL is unset or empty: `wrangler dev`'s address. */
export const DEFAULT_BASE_URL = "http://localhost:8787";

/** The origin approval links point at and are bound to: PUBLIC_BASE_URL's. Throws when it is not a URL. */
export function deploymentOrigin(env: Env): string {
  return new URL(env.PUBLIC_BASE_URL || DEFAULT_BASE_URL).origin;
}

/** Where approval links point: PUBLIC_BASE_URL without a trailing slash. */
export function publicBaseUrl(env: Env): string {
  return (env.PUBLIC_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, "");
}

/** The link an approval request mails: a token signed over the run, the signal, the request step and the expiry. */
export async function signedApprovalLink(
  env: Env,
  settings: { keys: SigningKeys; origin: string },
  request: { runId: string; signal: string; seq: number; expiresAt: number },
): Promise<string> {
  const token = await signApprovalToken({ r: request.runId, s: request.signal, q: request.seq, e: request.expiresAt, o: settings.origin }, settings.keys);
  return `${publicBaseUrl(env)}/approvals/${token}`;
}
