// The oracle for one HTTP answer: no 5xx, /api errors as problem+json with a code, no secret echoed,
// nothing that must be refused accepted. Pure over what was sent and what came back.
import { env } from "cloudflare:workers";

/** What a case asks of the answer beyond the global rules: `reject` means a 4xx and nothing changed. */
export type Expectation = "reject" | "any";

export interface SentRequest {
  /** The route the case aimed at, as a pattern (`POST /api/runs/:runId/cancel`): failures group by it. */
  route: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: string | Uint8Array | null;
  expect: Expectation;
  /** What was hostile about it (`body:deep`, `ct:text/json`): the report lists distinct ones. */
  tags: string[];
}

export interface Observed {
  status: number;
  headers: Headers;
  /** The body as text (for a stream, what arrived first). */
  text: string;
}

export type Rule = "5xx" | "not-problem-json" | "secret-echoed" | "accepted-invalid" | "prototype-polluted";

export interface Violation {
  rule: Rule;
  status: number;
  code: string | undefined;
  detail: string;
}

/** The secret values: the API token and every signing key's secret (never the kids, never the names). */
export function secretValues(): string[] {
  const keys = (env.APPROVAL_SIGNING_KEY ?? "").split(",").map((e) => e.trim().slice(e.trim().indexOf(":") + 1));
  return [env.API_TOKEN, ...keys].filter((s) => s.length >= 8);
}

const SECRETS = secretValues();

/** Every rule the answer breaks. */
export function judge(req: SentRequest, res: Observed): Violation[] {
  const out: Violation[] = [];
  const code = problemCode(res.text);
  const v = (rule: Rule, detail: string) => out.push({ rule, status: res.status, code, detail });
  if (res.status >= 500) v("5xx", `answered ${res.status}: ${res.text.slice(0, 200)}`);
  const path = new URL(req.url).pathname;
  if (/^\/api(\/|$)/.test(path) && res.status >= 400) {
    const media = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (media !== "application/problem+json")
      v("not-problem-json", `content-type ${JSON.stringify(res.headers.get("content-type"))}, body ${res.text.slice(0, 160)}`);
    else if (req.method.toUpperCase() !== "HEAD" && code === undefined) v("not-problem-json", `problem+json without a string code: ${res.text.slice(0, 160)}`);
  }
  for (const secret of SECRETS) {
    if (res.text.includes(secret)) v("secret-echoed", `the body holds a secret value (at ${res.text.indexOf(secret)})`);
    for (const [name, value] of res.headers) if (value.includes(secret)) v("secret-echoed", `header ${name} holds a secret value`);
  }
  if (req.expect === "reject" && res.status < 400) {
    v("accepted-invalid", `a request that must be refused answered ${res.status}: ${res.text.slice(0, 160)}`);
  }
  return out;
}

function problemCode(text: string): string | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null && "code" in body && typeof body.code === "string") return body.code;
  } catch {
    // Not JSON: no code.
  }
  return undefined;
}

/** How a request is shown in the report: method, URL, headers, the start of the body. */
export function describeRequest(req: SentRequest): string {
  const headers = req.headers.map(([k, v]) => `${k}: ${JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…(${v.length} chars)` : v)}`);
  const url = req.url.length > 300 ? `${req.url.slice(0, 300)}…(${req.url.length} chars)` : req.url;
  const lines = [`${req.method} ${url}`];
  if (headers.length > 0) lines.push(`  headers: ${headers.join("; ")}`);
  if (req.body !== null) {
    const text = typeof req.body === "string" ? req.body : `<${req.body.byteLength} bytes> ${new TextDecoder().decode(req.body.slice(0, 200))}`;
    lines.push(`  body (${text.length} chars): ${JSON.stringify(text.slice(0, 240))}${text.length > 240 ? "…" : ""}`);
  }
  return lines.join("\n");
}
