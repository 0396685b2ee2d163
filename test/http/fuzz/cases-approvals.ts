// Fuzz cases for GET and POST /approvals/:token: every token variant with forms, broken multipart,
// JSON, nothing and too much. A POST with the sentinel's live link never carries a decision.
import type { FuzzCase } from "./driver.ts";
import { approvalToken } from "./approval-tokens.ts";
import { carriesBody, expectation, parts, request } from "./parts.ts";
import type { Rng } from "./prng.ts";

const NON_DECISIONS = ["maybe", "", "yes", "no", "1", "true", "APPR0VED", "%00", "decision", "__proto__", "constructor", "\u00e9"];

interface FormBody {
  text: string | Uint8Array | null;
  contentType: string | null;
  tag: string;
}

const BOUNDARY = "XyZ";
const part = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

/** A POST body; with `decide` false, nothing in it can spell a decision. */
function formBody(rng: Rng, decide: boolean): FormBody {
  const value = decide && rng.chance(0.5) ? rng.pick(["approve", "reject"]) : rng.pick(NON_DECISIONS);
  const multipart = `multipart/form-data; boundary=${BOUNDARY}`;
  const urlencoded = "application/x-www-form-urlencoded";
  const kind = rng.pick([
    "form",
    "form-odd",
    "multipart",
    "multipart-broken",
    "multipart-broken",
    "multipart-no-boundary",
    "json",
    "none",
    "text",
    "binary",
    "too-large",
  ] as const);
  switch (kind) {
    case "form":
      return { text: `decision=${encodeURIComponent(value)}`, contentType: urlencoded, tag: kind };
    case "form-odd":
      return {
        text: rng.pick([
          `decision=${value}&decision=${rng.pick(NON_DECISIONS)}`,
          `decision[]=${value}`,
          `__proto__[decision]=${value}`,
          `constructor[prototype][decision]=${value}`,
          "decision",
          "=&=&",
          "%zz=%zz",
          `decision=${value}&${"a=b&".repeat(500)}`,
        ]),
        contentType: urlencoded,
        tag: kind,
      };
    case "multipart":
      return { text: `${part("decision", value)}--${BOUNDARY}--\r\n`, contentType: multipart, tag: kind };
    case "multipart-broken":
      return {
        text: rng.pick([
          part("decision", value),
          `--${BOUNDARY}\r\nContent-Disposition: form-da`,
          `--Other\r\nContent-Disposition: form-data; name="decision"\r\n\r\n${value}\r\n--Other--\r\n`,
          `--${BOUNDARY}\r\nno colon here\r\n\r\n${value}\r\n--${BOUNDARY}--\r\n`,
          `--${BOUNDARY}--`,
          "not multipart at all",
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="decision"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n${value}`,
          `--${BOUNDARY}\nContent-Disposition: form-data; name="decision"\n\n${value}\n--${BOUNDARY}--\n`,
          "",
        ]),
        contentType: multipart,
        tag: kind,
      };
    case "multipart-no-boundary":
      return {
        text: `${part("decision", value)}--${BOUNDARY}--\r\n`,
        contentType: rng.pick(["multipart/form-data", "multipart/form-data; boundary=", 'multipart/form-data; boundary="']),
        tag: kind,
      };
    case "json":
      return { text: JSON.stringify({ decision: value }), contentType: "application/json", tag: kind };
    case "none":
      return { text: null, contentType: rng.pick([null, urlencoded, multipart]), tag: kind };
    case "text":
      return { text: `decision=${value}`, contentType: rng.pick(["text/plain", null, "text/json"]), tag: kind };
    case "binary": {
      const bytes = rng.bytes(rng.int(1, 256));
      bytes[0] = 0xff;
      return { text: bytes, contentType: rng.pick([multipart, urlencoded]), tag: kind };
    }
    case "too-large":
      return { text: `decision=${value}&pad=${"x".repeat(rng.pick([8 * 1024, 64 * 1024]))}`, contentType: urlencoded, tag: kind };
  }
}

/** Nothing a sentinel-safe body holds may decode to a decision (percent-encoded or not). */
function assertNoDecision(body: FormBody): void {
  if (body.text === null || typeof body.text !== "string") return;
  let decoded = body.text;
  try {
    decoded = decodeURIComponent(body.text);
  } catch {
    // Not percent-decodable: the raw text is what a parser sees.
  }
  if (/approve|reject/i.test(body.text) || /approve|reject/i.test(decoded))
    throw new Error(`fuzzer bug: a sentinel body holds a decision: ${body.text.slice(0, 80)}`);
}

const approval: FuzzCase = async (ctx) => {
  const { rng, fx } = ctx;
  const token = await approvalToken(rng, fx);
  if (token.touches !== null) ctx.touch(token.touches);
  const p = parts(rng, ["GET", "POST"], "ignored");
  const post = carriesBody(p.method);
  const body = post ? formBody(rng, token.cls !== "live") : null;
  if (body !== null && token.cls === "live") assertNoDecision(body);
  await ctx.send(
    request(p, {
      route: `${["GET", "POST", "HEAD"].includes(p.method.toUpperCase()) ? p.method.toUpperCase() : "OTHER"} /approvals/:token`,
      path: `/approvals/${token.segment}`,
      headers: { "content-type": body?.contentType ?? null, cookie: rng.chance(0.1) ? "decision=approve" : null },
      body: body?.text ?? null,
      // With the sentinel's live link, a POST cannot decide (no decision in the body): it must be refused too.
      expect: expectation(p.refused, token.cls === "invalid", post && token.cls === "live"),
      tags: [`token:${token.tag}`, ...(body === null ? [] : [`body:${body.tag}`])],
    }),
  );
};

export const approvalCases: readonly (readonly [number, FuzzCase])[] = [[6, approval]];
