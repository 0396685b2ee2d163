// Request bodies for the JSON routes, each labelled: `invalid` bodies must be refused (4xx) whatever
// their content type says, so they may be aimed at sentinels; `maybe` bodies only at throwaway targets.
import type { Rng } from "./prng.ts";
import { contentType, deepJson, depth, hostileString, jsonString, jsonValue, malformedJson, pollution, PROTO_NAMES } from "./values.ts";

export type Validity = "invalid" | "maybe";

export interface Shape {
  text: string;
  validity: Validity;
  tag: string;
}

export interface Body {
  text: string | Uint8Array;
  contentType: string | null;
  validity: Validity;
  tags: string[];
}

const OVER_LIMIT = 1024 * 1024 + 16;

/** Bodies no JSON route takes: not JSON, not an object, or over the 1 MiB limit. */
export function universallyInvalid(rng: Rng): Shape {
  return rng.weighted<() => Shape>([
    [3, () => ({ text: malformedJson(rng), validity: "invalid", tag: "body:malformed" })],
    [
      3,
      () => ({
        text: rng.pick(["[]", "[1]", "[{}]", "5", "-1", "1e999", '"x"', "true", "false", "null", '"\\ud800"']),
        validity: "invalid",
        tag: "body:not-object",
      }),
    ],
    [
      2,
      () => ({
        text: deepJson(depth(rng), rng.pick(["array", "mixed"] as const))
          .replace(/^\{"a":/, "[")
          .replace(/\}$/, "]"),
        validity: "invalid",
        tag: "body:deep-array",
      }),
    ],
    [1, () => ({ text: `[${"0,".repeat(rng.pick([10_000, 200_000]))}0]`, validity: "invalid", tag: "body:huge-array" })],
    [1, () => ({ text: `{"x":"${"x".repeat(OVER_LIMIT)}"}`, validity: "invalid", tag: "body:over-1MiB" })],
  ])();
}

/** Signal bodies: `{ payload }` with anything in it; `null` payloads and non-objects must be refused. */
export function signalShape(rng: Rng): Shape {
  return rng.weighted<() => Shape>([
    [3, () => universallyInvalid(rng)],
    [
      2,
      () => ({
        text: rng.pick(['{"payload":null}', '{ "payload" : null , "x": 1 }', '{"payload":null,"payload":null}']),
        validity: "invalid",
        tag: "body:null-payload",
      }),
    ],
    [4, () => payloadShape(rng)],
    [1, () => ({ text: rng.pick(["", "{}", "  ", '{"other":1}']), validity: "maybe", tag: "body:no-payload" })],
    [1, () => ({ text: pollution(rng), validity: "maybe", tag: "body:proto-keys" })],
  ])();
}

function payloadShape(rng: Rng): Shape {
  const value = jsonValue(rng);
  // A payload that parses to null is the null payload spelled another way.
  return { text: `{"payload":${value}}`, validity: value === "null" ? "invalid" : "maybe", tag: `body:payload${tagOf(value)}` };
}

/** Start bodies for the throwaway workflow (`{ request, timeoutMs? }`), both valid and not. */
export function startShape(rng: Rng): Shape {
  return rng.weighted<() => Shape>([
    [2, () => universallyInvalid(rng)],
    [2, () => ({ text: `{"args":${rng.pick(["5", '"x"', "[]", "true", "[{}]"])}}`, validity: "invalid", tag: "body:args-not-object" })],
    [
      2,
      () => ({
        text: rng.pick(["", "{}", '{"args":{}}', '{"args":{"request":""}}', '{"args":{"request":5}}', `{"args":{"request":"${"x".repeat(1001)}"}}`]),
        validity: "invalid",
        tag: "body:args-invalid",
      }),
    ],
    [
      2,
      () => ({
        text: `{"args":{"request":"x","timeoutMs":${rng.pick(["-1", "0", "1.5", '"1"', "1e999", "2592000001", "null", "[]"])}}}`,
        validity: "invalid",
        tag: "body:timeout-invalid",
      }),
    ],
    [
      4,
      () => {
        const request = jsonString(hostileString(rng));
        const extra = rng.chance(0.3) ? `,${jsonString(rng.pick(["x", ...PROTO_NAMES]))}:${jsonValue(rng)}` : "";
        return { text: `{"args":{"request":${request}${extra}}}`, validity: "maybe", tag: "body:args" };
      },
    ],
    [1, () => ({ text: `{"args":${pollution(rng)}}`, validity: "maybe", tag: "body:proto-keys" })],
    [1, () => ({ text: `{"args":{"request":"x","deep":${deepJson(depth(rng), "mixed")}}}`, validity: "maybe", tag: "body:deep-args" })],
    [1, () => ({ text: '{"args":null}', validity: "maybe", tag: "body:args-null" })],
    [
      1,
      () => ({
        text: `{"args":{"request":"x"},"version":${rng.pick(NUMBERISH)},"retentionDays":${rng.pick(NUMBERISH)}}`,
        validity: "maybe",
        tag: "body:version-retention",
      }),
    ],
  ])();
}

/** Numbers and not-quite-numbers for the integer fields (a version, a seq, a retention). */
const NUMBERISH = ["1", "2", "0", "-1", "1.5", "9", "1e999", "36500", "36501", '"1"', "null", "[]", "{}"];

/** Restart bodies: `{ fromStep?, version? }` with anything in them; sent only where the restart is refused anyway. */
export function restartShape(rng: Rng): Shape {
  return rng.weighted<() => Shape>([
    [3, () => universallyInvalid(rng)],
    [1, () => ({ text: rng.pick(["", "{}", '{"other":1}']), validity: "maybe", tag: "body:restart-empty" })],
    [2, () => ({ text: `{"fromStep":${rng.chance(0.5) ? rng.pick(NUMBERISH) : jsonString(hostileString(rng))}}`, validity: "maybe", tag: "body:from-step" })],
    [1, () => ({ text: `{"version":${rng.pick(NUMBERISH)}}`, validity: "maybe", tag: "body:restart-version" })],
    [1, () => ({ text: pollution(rng), validity: "maybe", tag: "body:proto-keys" })],
  ])();
}

/** Start bodies for the other (sentinel) workflows: only those every workflow's args refuse. */
export function startShapeInvalid(rng: Rng): Shape {
  if (rng.chance(0.4)) return { text: `{"args":${rng.pick(["5", '"x"', "[]", "true", "[{}]", "-0"])}}`, validity: "invalid", tag: "body:args-not-object" };
  return universallyInvalid(rng);
}

/** Thread bodies: `{ userId, title? }`. */
export function threadShape(rng: Rng): Shape {
  return rng.weighted<() => Shape>([
    [2, () => universallyInvalid(rng)],
    [
      2,
      () => ({
        text: rng.pick([
          "",
          "{}",
          '{"userId":""}',
          '{"userId":5}',
          '{"userId":null}',
          `{"userId":"${"u".repeat(201)}"}`,
          '{"userId":"a","title":5}',
          `{"userId":"a","title":"${"t".repeat(201)}"}`,
        ]),
        validity: "invalid",
        tag: "body:thread-invalid",
      }),
    ],
    [
      4,
      () => {
        const title = rng.chance(0.5) ? `,"title":${jsonString(hostileString(rng))}` : "";
        const extra = rng.chance(0.2) ? `,${jsonString(rng.pick(PROTO_NAMES))}:${jsonValue(rng)}` : "";
        return { text: `{"userId":${jsonString(hostileString(rng))}${title}${extra}}`, validity: "maybe", tag: "body:thread" };
      },
    ],
    [1, () => ({ text: pollution(rng), validity: "invalid", tag: "body:proto-keys" })],
  ])();
}

/**
 * The shape sent with a content type; form types sometimes get a form or a (broken) multipart body
 * instead of the JSON, which no JSON route may read as anything but refused.
 */
export function withContentType(rng: Rng, shape: Shape): Body {
  const ct = contentType(rng);
  const tags = [shape.tag, `ct:${ct ?? "none"}`];
  const isForm = ct !== null && (ct.startsWith("multipart/") || ct.startsWith("application/x-www-form-urlencoded"));
  if (isForm && shape.text.length < 10_000 && rng.chance(0.5)) {
    const envelope = rng.pick(["multipart", "multipart-broken", "urlencoded"] as const);
    tags.push(`form:${envelope}`);
    const text =
      envelope === "urlencoded"
        ? `payload=${encodeURIComponent(shape.text)}&args=${encodeURIComponent(shape.text)}`
        : `--XyZ\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${shape.text}\r\n${envelope === "multipart" ? "--XyZ--\r\n" : ""}`;
    return { text, contentType: ct, validity: "invalid", tags };
  }
  if (rng.chance(0.03)) {
    // Bytes that are not UTF-8: 0xff can start no JSON text.
    const bytes = rng.bytes(rng.int(1, 64));
    bytes[0] = 0xff;
    return { text: bytes, contentType: ct, validity: "invalid", tags: ["body:binary", `ct:${ct ?? "none"}`] };
  }
  return { text: shape.text, contentType: ct, validity: shape.validity, tags };
}

function tagOf(value: string): string {
  if (value.length > 1000) return value.startsWith("[[") || value.startsWith('{"a":{') ? ":deep" : ":huge";
  if (value.includes("__proto__") || value.includes("constructor")) return ":proto";
  if (value.includes("e999")) return ":1e999";
  if (value.includes("\\ud800") || /[\ud800-\udfff]/.test(value)) return ":surrogate";
  return "";
}
