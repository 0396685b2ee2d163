// Client frames parsed through the transport's own validator and ours; server frames exactly as the
// transport reads them (JSON, requestId echoed, sequence and chunk on chunk frames).
import { describe, expect, it } from "vitest";
import { MAX_REQUEST_ID_CHARS, parseClientFrame, serverFrame } from "../../../../src/agents/streaming/core/frames.ts";

const send = {
  type: "send",
  requestId: "r1",
  id: "c",
  trigger: "submit-message",
  messages: [
    {
      id: "u1",
      role: "user",
      parts: [
        { type: "text", text: "Hi " },
        { type: "text", text: "there" },
      ],
    },
  ],
  headers: {},
  body: {},
};

describe("parseClientFrame", () => {
  it("reads a send as its last user message's text and id", async () => {
    expect(await parseClientFrame(JSON.stringify(send))).toEqual({
      ok: true,
      request: { kind: "send", requestId: "r1", prompt: { uiMessageId: "u1", text: "Hi there" } },
    });
  });

  it("reads a resume: no lastSequence is a full replay (-1); body.streamId picks an answer", async () => {
    const resume = { type: "resume", requestId: "r2", id: "c", headers: {}, body: {} };
    expect(await parseClientFrame(JSON.stringify(resume))).toEqual({ ok: true, request: { kind: "resume", requestId: "r2", after: -1, streamId: undefined } });
    const id = `ans_${"a".repeat(32)}`;
    expect(await parseClientFrame(JSON.stringify({ ...resume, lastSequence: 7, body: { streamId: id } }))).toEqual({
      ok: true,
      request: { kind: "resume", requestId: "r2", after: 7, streamId: id },
    });
  });

  it.each([
    ["not JSON", "{", ""],
    ["no type", JSON.stringify({ requestId: "x" }), "x"],
    ["an empty requestId", JSON.stringify({ type: "abort", requestId: "" }), ""],
    ["headers that are not strings", JSON.stringify({ ...send, headers: { a: 1 } }), "r1"],
    ["a user message without text", JSON.stringify({ ...send, messages: [{ id: "u", role: "user", parts: [{ type: "text", text: "  " }] }] }), "r1"],
    ["a requestId over 100 characters", JSON.stringify({ type: "abort", requestId: "r".repeat(101) }), ""],
    ["a fractional lastSequence", JSON.stringify({ type: "resume", requestId: "r", id: "c", headers: {}, body: {}, lastSequence: 1.5 }), "r"],
    ["a frame nested 5,000 levels deep", `{"type":"send","requestId":"deep","body":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`, "deep"],
  ])("refuses %s, echoing the request id it could read", async (_name, raw, requestId) => {
    const parsed = await parseClientFrame(raw);
    expect(parsed).toMatchObject({ ok: false, requestId, errorText: expect.stringMatching(/^chat\.invalid_frame: /) });
  });

  it("the most a socket can follow fits its 2 KiB attachment: 8 requests with the longest ids", () => {
    const sub = { r: "r".repeat(MAX_REQUEST_ID_CHARS), s: `ans_${"a".repeat(32)}`, n: Number.MAX_SAFE_INTEGER };
    expect(new TextEncoder().encode(JSON.stringify({ ch: "chat", subs: Array.from({ length: 8 }, () => sub) })).length).toBeLessThan(2048);
  });
});

describe("serverFrame", () => {
  it("builds the five frame types, requestId echoed", () => {
    expect(JSON.parse(serverFrame.chunk('r"1', 3, '{"type":"text-delta","id":"t","delta":"x"}'))).toEqual({
      type: "chunk",
      requestId: 'r"1',
      sequence: 3,
      chunk: { type: "text-delta", id: "t", delta: "x" },
    });
    expect(JSON.parse(serverFrame.start("r"))).toEqual({ type: "start", requestId: "r" });
    expect(JSON.parse(serverFrame.end("r"))).toEqual({ type: "end", requestId: "r" });
    expect(JSON.parse(serverFrame.error("r", "boom"))).toEqual({ type: "error", requestId: "r", errorText: "boom" });
    expect(JSON.parse(serverFrame.noActive("r"))).toEqual({ type: "no-active", requestId: "r" });
  });
});
