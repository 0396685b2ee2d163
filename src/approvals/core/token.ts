// Approval tokens: HMAC-SHA256 over the run, the signal, the request step, the expiry, the deployment's
// origin, a purpose label and a key id. Several keys may be configured ("k2:new,k1:old"): the first
// signs, all verify, so rotation keeps old links working.
import { z } from "zod";

/** Signed along with the claims: a MAC made here is worth nothing to anything else using the same key. */
const PURPOSE = "stepwise approval link v2";

export const ApprovalClaims = z.object({
  v: z.literal(2),
  /** purpose */
  p: z.literal("approval"),
  /** the origin of the deployment that made the link (PUBLIC_BASE_URL's): staging links fail in production */
  o: z.string().min(1).max(300),
  /** run id */
  r: z.string().min(1).max(200),
  /** signal name */
  s: z.string().min(1).max(100),
  /** the journal seq of the step that asked */
  q: z.number().int().min(0),
  /** expiry, ms since epoch */
  e: z.number().int(),
  /** key id */
  k: z.string().min(1).max(32),
});
export type ApprovalClaims = z.infer<typeof ApprovalClaims>;

export interface SigningKeys {
  active: { kid: string; secret: string };
  byKid: Map<string, string>;
}

/**
 * Parses APPROVAL_SIGNING_KEY: "kid:secret" entries, comma-separated, the first active; a bare secret is
 * kid "k1". Throws on a missing key, a short secret or a key id used twice (one would sign, the other
 * verify, and every link would fail).
 */
export function parseSigningKeys(raw: string | undefined): SigningKeys {
  const entries = (raw ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e) => {
      const i = e.indexOf(":");
      return i > 0 && i <= 32 ? { kid: e.slice(0, i), secret: e.slice(i + 1) } : { kid: "k1", secret: e };
    });
  const first = entries[0];
  if (first === undefined || entries.some((e) => e.secret.length < 16)) {
    throw new Error("APPROVAL_SIGNING_KEY must hold one or more kid:secret entries with secrets of at least 16 characters");
  }
  const seen = new Set<string>();
  for (const { kid } of entries) {
    if (seen.has(kid)) {
      throw new Error(`APPROVAL_SIGNING_KEY uses the key id "${kid}" twice (a bare secret is "k1"); give each secret its own id: "k2:<new>,k1:<old>"`);
    }
    seen.add(kid);
  }
  return { active: first, byKid: new Map(entries.map((e) => [e.kid, e.secret])) };
}

export type VerifyResult = { ok: true; claims: ApprovalClaims } | { ok: false; reason: "malformed" | "forged" | "expired"; claims?: ApprovalClaims };

/** Signs a link's claims (`o`: the deployment's origin, see `deploymentOrigin`) with the active key. */
export async function signApprovalToken(claims: Omit<ApprovalClaims, "v" | "p" | "k">, keys: SigningKeys): Promise<string> {
  const full: ApprovalClaims = { v: 2, p: "approval", ...claims, k: keys.active.kid };
  const body = b64url(new TextEncoder().encode(JSON.stringify(full)));
  return `${body}.${b64url(await hmac(keys.active.secret, body))}`;
}

/** Checks shape, signature (in constant time), the origin it was made for, then expiry against `now`. */
export async function verifyApprovalToken(token: string, keys: SigningKeys, at: { now: number; origin: string }): Promise<VerifyResult> {
  const parts = token.split(".");
  if (parts.length !== 2 || token.length > 2048) return { ok: false, reason: "malformed" };
  const [body, mac] = parts as [string, string];
  let claims: ApprovalClaims;
  try {
    claims = ApprovalClaims.parse(JSON.parse(new TextDecoder().decode(unb64url(body))));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const secret = keys.byKid.get(claims.k);
  if (secret === undefined) return { ok: false, reason: "forged" };
  let given: Uint8Array;
  try {
    given = unb64url(mac);
  } catch {
    return { ok: false, reason: "forged" };
  }
  const expected = new Uint8Array(await hmac(secret, body));
  if (given.byteLength !== expected.byteLength || !crypto.subtle.timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
  // Signed by a deployment sharing the key, for its own origin: not a link of this one.
  if (claims.o !== at.origin) return { ok: false, reason: "forged" };
  if (at.now >= claims.e) return { ok: false, reason: "expired", claims };
  return { ok: true, claims };
}

async function hmac(secret: string, data: string): Promise<ArrayBuffer> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${PURPOSE}\n${data}`));
}

function b64url(bytes: ArrayBuffer | Uint8Array): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function unb64url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error("not base64url");
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
