// Approval-link tokens for the fuzzer: the live ones (the sentinel's, the throwaway runs'), and every
// way to get one wrong: random, truncated, tampered, expired, foreign or unknown keys, other purposes.
import { env } from "cloudflare:workers";
import { signTicket } from "../../../src/agents/streaming/ws-ticket.ts";
import { signApprovalToken, type SigningKeys } from "../../../src/approvals/core/token.ts";
import type { Fixtures } from "./fixtures.ts";
import type { Rng } from "./prng.ts";
import { deepJson, hex, PROTO_NAMES, randomToken } from "./values.ts";

/**
 * live: the sentinel's own link (or one the server may read as it); throwaway: a live link of a run
 * cases may decide; invalid: must be refused (403, 404 or 410) whatever is posted with it.
 */
export type TokenClass = "live" | "throwaway" | "invalid";

export interface FuzzToken {
  /** As it goes into the path. */
  segment: string;
  cls: TokenClass;
  tag: string;
  /** The sentinel a wrongly accepted decision would change. */
  touches: string | null;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The app's own signer over claims of our choosing: it spreads them into the token as given, so a
 * field the fuzzer sets (a wrong `v`, `p`, `o`, `q`, `e`) is signed as sent, whatever the token version.
 */
// SAFETY: signApprovalToken only spreads its claims into JSON; that some are invalid is the point.
export const signClaims = signApprovalToken as unknown as (claims: Record<string, unknown>, keys: SigningKeys) => Promise<string>;

/** The origin links of this deployment are made for (PUBLIC_BASE_URL's), as claim `o`. */
export function linkOrigin(): string {
  return new URL(env.PUBLIC_BASE_URL).origin;
}

function b64url(text: string): string {
  return btoa(unescape(encodeURIComponent(text)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
}

function unb64url(s: string): string {
  try {
    return atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return `<undecodable ${s}>`;
  }
}

/** One character of the MAC changed so that the decoded bytes differ (the last character's spare bits would not). */
function tamperMac(rng: Rng, token: string): string {
  const [body, mac] = token.split(".") as [string, string];
  for (;;) {
    const i = rng.int(0, mac.length - 1);
    const c = rng.pick([...B64].filter((x) => x !== mac[i]));
    const next = mac.slice(0, i) + c + mac.slice(i + 1);
    if (unb64url(next) !== unb64url(mac)) return `${body}.${next}`;
  }
}

function keysWith(keys: SigningKeys, kid: string, secret: string): SigningKeys {
  return { active: { kid, secret }, byKid: keys.byKid };
}

export async function approvalToken(rng: Rng, fx: Fixtures): Promise<FuzzToken> {
  const s = fx.sentinel.approval;
  const claims = { r: s.runId, s: "approval", q: s.seq, e: s.expiresAt, o: linkOrigin() };
  const realSecret = fx.keys.active.secret;
  const invalid = (segment: string, tag: string, touches: string | null = "run:approval"): FuzzToken => ({ segment, cls: "invalid", tag, touches });
  const kind = rng.pick([
    "live",
    "live",
    "live-old-key",
    "percent-dot",
    "throwaway",
    "throwaway",
    "random",
    "empty-ish",
    "truncated",
    "tampered-body",
    "tampered-mac",
    "swapped-mac",
    "expired",
    "foreign-key",
    "unknown-kid",
    "other-signal",
    "other-step",
    "waiter-step",
    "unknown-run",
    "bad-claims",
    "bad-claims",
    "other-origin",
    "not-json",
    "ws-ticket",
    "too-long",
    "three-parts",
    "upper-case",
  ] as const);
  switch (kind) {
    case "live":
      return { segment: s.token, cls: "live", tag: kind, touches: "run:approval" };
    case "live-old-key": {
      const old = fx.keys.byKid.get("k1");
      if (old === undefined) throw new Error("fixture: APPROVAL_SIGNING_KEY has no k1");
      return { segment: await signClaims(claims, keysWith(fx.keys, "k1", old)), cls: "live", tag: kind, touches: "run:approval" };
    }
    case "percent-dot":
      return { segment: s.token.replace(".", rng.pick(["%2E", "%2e"])), cls: "live", tag: kind, touches: "run:approval" };
    case "throwaway":
      return { segment: rng.pick(fx.throwaway.approvals).token, cls: "throwaway", tag: kind, touches: null };
    case "random":
      return invalid(rng.chance(0.5) ? randomToken(rng) : `${randomToken(rng)}.${randomToken(rng)}`, kind, null);
    case "empty-ish":
      // Not "..": URL parsing turns /approvals/.. into /, the landing page, which is not this route.
      return invalid(rng.pick([".", "a.", ".a", "%2E", "%00", "null", ...PROTO_NAMES]), kind, null);
    case "truncated":
      return invalid(s.token.slice(0, rng.int(1, s.token.length - 1)), kind);
    case "tampered-body": {
      const i = rng.int(0, s.token.indexOf(".") - 1);
      const c = rng.pick([...B64].filter((x) => x !== s.token[i]));
      return invalid(s.token.slice(0, i) + c + s.token.slice(i + 1), kind);
    }
    case "tampered-mac":
      return invalid(tamperMac(rng, s.token), kind);
    case "swapped-mac":
      return invalid(`${s.token.split(".")[0]}.${rng.pick(fx.throwaway.approvals).token.split(".")[1]}`, kind);
    case "expired":
      return invalid(await signClaims({ ...claims, e: Date.now() - rng.pick([1, 60_000, 86_400_000]) }, fx.keys), kind);
    case "foreign-key":
      return invalid(await signClaims(claims, keysWith(fx.keys, "k2", "not-the-servers-key-0123456789")), kind);
    case "unknown-kid":
      return invalid(await signClaims(claims, keysWith(fx.keys, rng.pick(["k9", "__proto__", "constructor", "toString"]), realSecret)), kind);
    case "other-signal":
      return invalid(await signClaims({ ...claims, s: rng.pick(["go", "other", "Approval", "approval "]) }, fx.keys), kind);
    case "other-step":
      return invalid(await signClaims({ ...claims, q: s.seq + rng.int(1, 3) }, fx.keys), kind);
    case "waiter-step":
      return invalid(await signClaims({ r: fx.sentinel.waiting, s: "go", q: rng.int(0, 2), e: s.expiresAt }, fx.keys), kind, "run:waiting");
    case "unknown-run":
      return invalid(await signClaims({ ...claims, r: rng.pick([`run_${hex(rng, 32)}`, ...PROTO_NAMES, "../x", "a".repeat(200)]) }, fx.keys), kind, null);
    case "bad-claims": {
      // Each signed with the real key: only the claims are wrong.
      const bad = rng.pick<Record<string, unknown>>([
        { v: 99 },
        { q: -1 },
        { q: s.seq + 0.5 },
        { e: "soon" },
        { e: null },
        { r: "" },
        { s: "" },
        { r: 5 },
        { q: "0" },
      ]);
      return invalid(await signClaims({ ...claims, ...bad }, fx.keys), `${kind}:${Object.keys(bad)[0]}`);
    }
    case "other-origin":
      // Links of another deployment, or signed for another purpose, under the same key: refused by a
      // server that binds links to both. A server that does not may read them as the sentinel's own
      // link, so they are treated like it (no decision is ever posted with them).
      return {
        segment: await signClaims(
          {
            ...claims,
            ...rng.pick<Record<string, unknown>>([{ o: "http://staging.stepwise.test" }, { o: "https://stepwise.test" }, { p: "ticket" }, { o: "" }]),
          },
          fx.keys,
        ),
        cls: "live",
        tag: kind,
        touches: "run:approval",
      };
    case "not-json":
      return invalid(
        `${b64url(rng.pick(["not json", "[1,2]", "null", deepJson(rng.pick([100, 5000]), "array")]))}.${tamperMac(rng, s.token).split(".")[1]}`,
        kind,
      );
    case "ws-ticket":
      return invalid((await signTicket({ secret: env.API_TOKEN, threadId: fx.sentinel.thread, now: Date.now() })).ticket, kind);
    case "too-long":
      return invalid(`${"e".repeat(rng.pick([2048, 5000]))}.${s.token.split(".")[1]}`, kind);
    case "three-parts":
      return invalid(`${s.token}.${rng.pick(["", "x", s.token.split(".")[1]])}`, kind);
    case "upper-case":
      return invalid(s.token.toUpperCase(), kind);
  }
}
