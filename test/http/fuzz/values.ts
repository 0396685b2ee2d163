// Hostile inputs shared by every route: methods, auth headers, path segments, query values, content
// types, Idempotency-Keys and JSON text (deep, huge, 1e999, lone surrogates, prototype keys).
import type { Rng } from "./prng.ts";

export const API_TOKEN = "test-token";

/** Names that find something on a plain object: a lookup by user input must not. */
export const PROTO_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype", "__defineGetter__", "isPrototypeOf"] as const;

/** The key an object in a body tries to plant on Object.prototype; the oracle checks it never lands. */
export const POLLUTION_KEY = "fuzzPolluted";

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX = "0123456789abcdef";

/** Methods: the route's own, others, lower case (which fetch normalizes only for some), made up. */
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "get", "post", "patch", "PROPFIND", "FOO"] as const;

/** Whether `method` (as sent) reaches a route serving `allowed`; HEAD is served by GET routes. */
export function methodAllowed(method: string, allowed: readonly string[]): boolean {
  const normalized = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].includes(method.toUpperCase()) ? method.toUpperCase() : method;
  return allowed.includes(normalized) || (normalized === "HEAD" && allowed.includes("GET"));
}

/** ok: the token as documented; maybe: odd whitespace or case around it; bad: never the token. */
export type AuthClass = "ok" | "maybe" | "bad";

const AUTH: readonly [AuthClass, string | null][] = [
  ["ok", `Bearer ${API_TOKEN}`],
  ["maybe", `bearer ${API_TOKEN}`],
  ["maybe", `BEARER ${API_TOKEN}`],
  ["maybe", `Bearer  ${API_TOKEN}`],
  ["maybe", `Bearer\t${API_TOKEN}`],
  ["maybe", `Bearer ${API_TOKEN} `],
  ["maybe", `Bearer\u00a0${API_TOKEN}`],
  ["bad", null],
  ["bad", ""],
  ["bad", "Bearer"],
  ["bad", "Bearer "],
  ["bad", `Bearer ${API_TOKEN}x`],
  ["bad", `Bearer ${API_TOKEN.slice(0, -1)}`],
  ["bad", `Bearer x${API_TOKEN}`],
  ["bad", `Basic ${btoa(`user:${API_TOKEN}`)}`],
  ["bad", `Token ${API_TOKEN}`],
  ["bad", `Bearer ${API_TOKEN} ${API_TOKEN}`],
  ["bad", `Bearer "${API_TOKEN}"`],
  ["bad", `Bearer ${API_TOKEN}, Bearer nope`],
  ["bad", "Bearer nope"],
  ["bad", "Bearer constructor"],
  ["bad", "Bearer __proto__"],
];

/** An Authorization header (null: none) and whether it is the token. Mostly the token, so routes get past auth. */
export function authHeader(rng: Rng): { value: string | null; cls: AuthClass } {
  if (rng.chance(0.6)) return { value: `Bearer ${API_TOKEN}`, cls: "ok" };
  if (rng.chance(0.1)) return { value: `Bearer ${rng.chars(rng.pick([1000, 20_000, 100_000]), ALNUM)}`, cls: "bad" };
  const [cls, value] = rng.pick(AUTH);
  return { value, cls };
}

/** A header that is surely not the token (for cases that must change nothing). */
export function badAuthHeader(rng: Rng): string | null {
  const bad = AUTH.filter(([cls]) => cls === "bad");
  return rng.pick(bad)[1];
}

/** Path segments as they go into the URL (the URL parser then encodes or resolves them). */
export function hostileSegment(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => rng.pick(PROTO_NAMES)],
    [2, () => rng.pick(["", ".", "..", "%2e%2e", "%2E", "...", "%2F", "a%2Fb", "%5C", "\\", "%00", "%", "%zz", "%E0%A4%A", "%C0%AF", "%ff%fe"])],
    [2, () => rng.pick(["é", "日本語", "🙂", "\u202eevil", "\u200b", "a b", "a+b", "a;b", "a,b", ":", "@", "~", "'", '"', "<x>", "{}", "|"])],
    [1, () => rng.pick(["null", "undefined", "NaN", "-1", "0", "1e999", "true", "[]", "{}"])],
    [2, () => "a".repeat(rng.pick([99, 100, 101, 199, 200, 201, 1000, 5000, 20_000]))],
    [2, () => `run_${rng.chars(32, HEX)}`],
    [1, () => `thread_${rng.chars(32, HEX)}`],
    [1, () => rng.chars(rng.int(1, 40), ALNUM + "-_.:")],
    [1, () => encodeURIComponent(rng.pick(["é", "🙂", "a/b", "a?b", "a#b", "%", " "]))],
  ])();
}

/** Query values: numbers in every odd spelling, huge, empty, prototype names. */
export function hostileQueryValue(rng: Rng): string {
  return rng.weighted<() => string>([
    [
      4,
      () =>
        rng.pick([
          "0",
          "-1",
          "1",
          "20",
          "100",
          "101",
          "1e2",
          "1e999",
          "-1e999",
          "NaN",
          "Infinity",
          "0x10",
          " 5",
          "5 ",
          "5.5",
          "",
          "-0",
          "+5",
          "１",
          "9007199254740993",
          "1_0",
        ]),
    ],
    [1, () => "9".repeat(rng.pick([20, 400, 5000]))],
    [2, () => rng.pick(PROTO_NAMES)],
    [2, () => rng.pick(["running", "waiting", "completed", "RUNNING", "all", "none", "ALL", "waiter", "await-approval", "nope"])],
    [2, () => rng.pick(["garbage", "AAAA", "eyJ4IjoxfQ", "eyJ4IjoxfQ==", "%00", "%ff", "0", "-5", "1.5", "[]", "{}", "null", "é", "🙂"])],
    [1, () => rng.chars(rng.pick([499, 500, 501, 2000, 2001, 10_000]), ALNUM)],
  ])();
}

/** A query string of `keys` with hostile values, sometimes repeated, sometimes with junk keys. */
export function hostileQuery(rng: Rng, keys: readonly string[]): string {
  if (rng.chance(0.2)) return "";
  const parts: string[] = [];
  for (const k of keys) {
    if (!rng.chance(0.6)) continue;
    const n = rng.chance(0.15) ? 2 : 1;
    for (let i = 0; i < n; i++) parts.push(`${k}=${encodeMaybe(rng, hostileQueryValue(rng))}`);
  }
  if (rng.chance(0.2)) parts.push(`${rng.pick([...PROTO_NAMES, "x", "", "a[b]", "limit[]"])}=${encodeMaybe(rng, hostileQueryValue(rng))}`);
  if (rng.chance(0.05)) parts.push("&&&", "=", "==");
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

function encodeMaybe(rng: Rng, v: string): string {
  return rng.chance(0.7) ? encodeURIComponent(v) : v;
}

/** Content types for a body: JSON spelled every way, JSON-ish ones that are not, forms, none. */
export function contentType(rng: Rng): string | null {
  if (rng.chance(0.35)) return "application/json";
  return rng.pick([
    null,
    "text/json",
    "",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/vnd.stepwise+json",
    "application/json; charset=utf-16",
    "text/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data",
    "application/json-patch+json",
    "application/jsonx",
    "application/octet-stream",
    "*/*",
  ]);
}

/** Idempotency-Key values: none mostly, else valid, empty, spaced, Latin-1, too long, prototype names. */
export function idempotencyKey(rng: Rng): string | null {
  if (rng.chance(0.7)) return null;
  return rng.pick([
    `key-${rng.chars(12, ALNUM)}`,
    "",
    " ",
    "a b",
    "\u00e9t\u00e9",
    "k".repeat(200),
    "k".repeat(201),
    "__proto__",
    "constructor",
    "\t",
    "%00",
    "x",
  ]);
}

/** Strings for JSON string fields (user ids, signal payload text, prompts). */
export function hostileString(rng: Rng): string {
  return rng.weighted<() => string>([
    [
      3,
      () =>
        rng.pick([
          "",
          " ",
          "a",
          "ada",
          "é",
          "🙂",
          "\u0000",
          "\u001f",
          "\u202e",
          "\u200b",
          "\ud800",
          "\udfff",
          "\udfff\ud800",
          "line\nbreak",
          "<script>alert(1)</script>",
          "' OR 1=1 --",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: "${x}" is one of the hostile strings, not a template.
          "${x}",
          "../../etc",
        ]),
    ],
    [1, () => rng.pick(PROTO_NAMES)],
    [2, () => "x".repeat(rng.pick([99, 100, 101, 199, 200, 201, 1000, 1001, 100_000, 100_001]))],
  ])();
}

/** A JSON string literal for `s`, with lone surrogates escaped the way a careless client sends them. */
export function jsonString(s: string): string {
  return JSON.stringify(s);
}

/** JSON text nested `depth` levels deep: arrays, objects, or both. */
export function deepJson(depth: number, kind: "array" | "object" | "mixed"): string {
  if (kind === "array") return "[".repeat(depth) + "]".repeat(depth);
  if (kind === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    if (i % 2 === 0) {
      open += '{"a":';
      close = "}" + close;
    } else {
      open += "[";
      close = "]" + close;
    }
  }
  return open + "1" + close;
}

/** A nesting depth: around the limits that matter (64, a few thousand where recursion overflows), or far past them. */
export function depth(rng: Rng): number {
  return rng.weighted<() => number>([
    [2, () => rng.pick([63, 64, 65, 100, 1000, 20_000, 100_000])],
    [3, () => rng.int(1_000, 8_000)],
  ])();
}

/** A random JSON value as text, with every hostile spelling JSON allows (and a few JSON.parse takes). */
export function jsonValue(rng: Rng, level = 0): string {
  const leaf = (): string =>
    rng.weighted<() => string>([
      [
        3,
        () =>
          rng.pick(["null", "true", "false", "0", "-0", "1", "-1", "1.5", "1e999", "-1e999", "1e-999", "9007199254740993", "123456789012345678901234567890"]),
      ],
      [3, () => jsonString(hostileString(rng))],
      [1, () => '"\\ud800"'],
      [1, () => '"\\u0000"'],
    ])();
  if (level > 3) return leaf();
  return rng.weighted<() => string>([
    [6, leaf],
    [2, () => `[${Array.from({ length: rng.int(0, 4) }, () => jsonValue(rng, level + 1)).join(",")}]`],
    [
      2,
      () =>
        `{${Array.from({ length: rng.int(0, 4) }, () => `${jsonString(rng.pick(["a", "payload", "args", "", ...PROTO_NAMES]))}:${jsonValue(rng, level + 1)}`).join(",")}}`,
    ],
    [1, () => pollution(rng)],
    [1, () => deepJson(depth(rng), rng.pick(["array", "object", "mixed"] as const))],
    [1, () => `[${"0,".repeat(rng.pick([1000, 100_000]))}0]`],
  ])();
}

/** An object that tries to plant POLLUTION_KEY on Object.prototype through a merge or a lookup. */
export function pollution(rng: Rng): string {
  return rng.pick([
    `{"__proto__":{"${POLLUTION_KEY}":1}}`,
    `{"constructor":{"prototype":{"${POLLUTION_KEY}":1}}}`,
    `{"__proto__":{"${POLLUTION_KEY}":1},"__proto__":null}`,
    `{"a":{"__proto__":{"${POLLUTION_KEY}":1}}}`,
  ]);
}

/** Text that is not JSON at all, or JSON broken half way. */
export function malformedJson(rng: Rng): string {
  return rng.pick([
    "{",
    "{not json",
    '{"payload":',
    '{"args":{}',
    "[1,2",
    "nul",
    "tru",
    "{'a':1}",
    '{"a":1,}',
    "{a:1}",
    "\u0000",
    "\ufeff{}x",
    "NaN",
    "Infinity",
    "undefined",
    "{}{}",
    "<xml/>",
    "decision=approve",
  ]);
}

export function randomToken(rng: Rng): string {
  return rng.chars(rng.int(1, 80), ALNUM + "-_.");
}

export function hex(rng: Rng, n: number): string {
  return rng.chars(n, HEX);
}
