// Client frames for the chat socket (WebSocketChatTransport's protocol): invalid ones of every kind,
// which must each get an `error` frame, and valid resume/abort/send frames with odd ids. A `send`
// that is valid adds a message, so `safe` (the sentinel thread) never draws one.
import type { Rng } from "./prng.ts";
import { deepJson, hex, hostileString, PROTO_NAMES } from "./values.ts";

export type FrameKind = "invalid" | "resume" | "abort" | "send";

export interface FrameSpec {
  data: string | ArrayBuffer;
  kind: FrameKind;
  tag: string;
}

const MAX_FRAME = 1024 * 1024;

function requestId(rng: Rng): string {
  return rng.pick(["r1", "req-1", "é🙂", "x".repeat(100), " ", "\u0000", "a/b", ...PROTO_NAMES]);
}

/** A request id the server must refuse: empty, or over 100 characters. */
function badRequestId(rng: Rng): string {
  return rng.pick(["", "x".repeat(101), "y".repeat(5000)]);
}

const base = (type: string, id: string) => ({ type, requestId: id, id: "chat", headers: {}, body: {} });

function send(id: string, messages: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...base("send", id), trigger: "submit-message", messageId: undefined, messages, ...extra });
}

const user = (id: string, text: unknown) => ({ id, role: "user", parts: [{ type: "text", text }] });

/** Frames that must be refused with an `error` frame and change nothing. */
function invalidFrame(rng: Rng): FrameSpec {
  const id = requestId(rng);
  const f = (data: string | ArrayBuffer, tag: string): FrameSpec => ({ data, kind: "invalid", tag });
  return rng.weighted<() => FrameSpec>([
    [3, () => f(rng.pick(["", "{", "ping", "hello", "\ud800", "null", "[]", "5", '"send"', "true", "{}", "{'type':'send'}", "\u0000"]), "frame:not-a-request")],
    [2, () => f(bytesOf(rng.chance(0.5) ? JSON.stringify({ type: "abort", requestId: id }) : "junk"), "frame:binary")],
    [1, () => f("x".repeat(MAX_FRAME + rng.int(1, 100)), "frame:huge-text")],
    [1, () => f(JSON.stringify({ type: "abort", requestId: id, pad: "p".repeat(MAX_FRAME) }), "frame:huge-json")],
    [2, () => f(deepJson(rng.pick([100, 1000, 10_000, 100_000]), rng.pick(["array", "object", "mixed"] as const)), "frame:deep")],
    // Built as text: the deep part never goes through JSON.stringify here.
    [
      2,
      () =>
        f(
          send(id, "DEEP", { trigger: "regenerate-message" }).replace(
            '"DEEP"',
            `[{"id":"m","role":"user","parts":[{"type":"text","text":"hi","data":${deepJson(rng.pick([200, 5000, 50_000]), "array")}}]}]`,
          ),
          "frame:deep-send",
        ),
    ],
    [
      3,
      () =>
        f(
          rng.pick([
            JSON.stringify({ type: 5, requestId: id }),
            JSON.stringify({ type: "send", requestId: 5 }),
            // biome-ignore lint/correctness/noPrecisionLoss: a number past 2^53 is the point of this frame.
            JSON.stringify({ ...base("resume", id), lastSequence: rng.pick(["x", -1, 1.5, 9007199254740993, null]) }),
            `{"type":"resume","requestId":${JSON.stringify(id)},"id":"chat","headers":{},"body":{},"lastSequence":1e999}`,
            JSON.stringify({ ...base("resume", id), headers: { a: 1 } }),
            JSON.stringify({ ...base("resume", id), body: "x" }),
            JSON.stringify({ ...base("resume", id), id: 5 }),
            JSON.stringify({ type: "abort" }),
            send(id, "not an array"),
          ]),
          "frame:wrong-types",
        ),
    ],
    [
      3,
      () =>
        f(
          JSON.stringify({ type: rng.pick(["hello", "Send", "chunk", "start", "end", "no-active", "error", "", ...PROTO_NAMES]), requestId: id }),
          "frame:unknown-type",
        ),
    ],
    [
      2,
      () => f(JSON.stringify({ type: rng.pick(["abort", "resume"]), requestId: badRequestId(rng), id: "chat", headers: {}, body: {} }), "frame:bad-request-id"),
    ],
    [
      2,
      () =>
        f(
          JSON.stringify({
            ...base("resume", id),
            body: { streamId: rng.pick(["ans_123", `ans_${hex(rng, 31)}`, `ANS_${hex(rng, 32)}`, "__proto__", "", 5]) },
          }),
          "frame:bad-stream-id",
        ),
    ],
    [
      4,
      () =>
        f(
          rng.pick([
            send(id, [user("m1", "hi")], { trigger: "regenerate-message", messageId: "../m1" }),
            send(id, []),
            send(id, [{ id: "m1", role: "assistant", parts: [{ type: "text", text: "hi" }] }]),
            send(id, [user("m1", "")]),
            send(id, [user("m1", "   \n\t")]),
            send(id, [{ id: "m1", role: "user", parts: [{ type: "file", url: "x", mediaType: "text/plain" }] }]),
            send(id, [user("m1", "x".repeat(100_001))]),
            send(id, [user("", "hi")]),
            send(id, [user("m".repeat(201), "hi")]),
            send(id, [user("m1", 5)]),
            send(id, [user("m1", "hi")], { messageId: 5 }),
            send(badRequestId(rng), [user("m1", "hi")]),
            `{"__proto__":{"type":"send"},"requestId":${JSON.stringify(id)}}`,
          ]),
          "frame:invalid-send",
        ),
    ],
  ])();
}

/** Any frame; with `safe`, never a valid send (the sentinel thread must not change). */
export function chatFrame(rng: Rng, safe: boolean): FrameSpec {
  const id = requestId(rng);
  return rng.weighted<() => FrameSpec>([
    [10, () => invalidFrame(rng)],
    [
      2,
      () => ({
        data: JSON.stringify({
          ...base("resume", id),
          ...(rng.chance(0.5) ? { lastSequence: rng.pick([0, 5, 9007199254740991]) } : {}),
          body: rng.pick([{}, { streamId: `ans_${hex(rng, 32)}` }, { x: JSON.parse(deepJson(60, "object")) as unknown }]),
        }),
        kind: "resume",
        tag: "frame:resume",
      }),
    ],
    [2, () => ({ data: JSON.stringify({ type: "abort", requestId: id }), kind: "abort", tag: "frame:abort" })],
    [
      safe ? 0 : 3,
      () => ({ data: send(id, [user(rng.pick(["u1", "u2", "é", ...PROTO_NAMES]), nonBlank(hostileString(rng)))]), kind: "send", tag: "frame:send" }),
    ],
  ])();
}

/** UTF-8 bytes in an ArrayBuffer of their own (a binary frame). */
function bytesOf(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

function nonBlank(s: string): string {
  return s.trim() === "" || s.length > 100_000 ? `${s.slice(0, 100)}text` : s;
}

/** A frame whose answer is an `error` frame with its own request id: it tells the socket's queue has drained. */
export function probeFrame(n: number): string {
  return JSON.stringify({ ...base("resume", `probe-${n}`), body: { streamId: "not-a-stream" } });
}
