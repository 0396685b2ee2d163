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

  it("reads a regenerate as the message it names (or none: the last one)", async () => {
    const regenerate = { ...send, trigger: "regenerate-message", messageId: "msg_1" };
    expect(await parseClientFrame(JSON.stringify(regenerate))).toEqual({ ok: true, request: { kind: "regenerate", requestId: "r1", messageId: "msg_1" } });
    const { messageId: _, ...last } = regenerate;
    expect(await parseClientFrame(JSON.stringify(last))).toEqual({ ok: true, request: { kind: "regenerate", requestId: "r1", messageId: undefined } });
  });

  it("reads a submit whose last message is an answer with tool approvals responded to as decisions on that answer", async () => {
    const answer = {
      id: "msg_a",
      role: "assistant",
      parts: [
        { type: "step-start" },
        { type: "tool-grantRefund", toolCallId: "c1", state: "approval-responded", input: {}, approval: { id: "a1", approved: false, reason: "no" } },
        { type: "dynamic-tool", toolName: "x", toolCallId: "c2", state: "approval-responded", input: {}, approval: { id: "a2", approved: true } },
      ],
    };
    expect(await parseClientFrame(JSON.stringify({ ...send, messageId: "msg_a", messages: [...send.messages, answer] }))).toEqual({
      ok: true,
      request: {
        kind: "decide",
        requestId: "r1",
        answerId: "msg_a",
        decisions: [
          { approvalId: "a1", approved: false, reason: "no" },
          { approvalId: "a2", approved: true, reason: undefined },
        ],
      },
    });
    const undecided = { ...answer, parts: [{ type: "tool-grantRefund", toolCallId: "c1", state: "approval-requested", input: {}, approval: { id: "a1" } }] };
    expect(await parseClientFrame(JSON.stringify({ ...send, messages: [undecided] }))).toMatchObject({
      ok: false,
      errorText: expect.stringContaining("no tool approval"),
    });
  });

  it("reads a resume by the answer's id (body.messageId)", async () => {
    const resume = { type: "resume", requestId: "r2", id: "c", headers: {}, body: { messageId: "msg_a" } };
    expect(await parseClientFrame(JSON.stringify(resume))).toEqual({
      ok: true,
      request: { kind: "resume", requestId: "r2", after: -1, streamId: undefined, answerId: "msg_a" },
    });
  });

  it.each([
    ["not JSON", "{", ""],
    ["no type", JSON.stringify({ requestId: "x" }), "x"],
    ["an empty requestId", JSON.stringify({ type: "abort", requestId: "" }), ""],
    ["headers that are not strings", JSON.stringify({ ...send, headers: { a: 1 } }), "r1"],
    ["a user message without text", JSON.stringify({ ...send, messages: [{ id: "u", role: "user", parts: [{ type: "text", text: "  " }] }] }), "r1"],
    ["a requestId over 100 characters", JSON.stringify({ type: "abort", requestId: "r".repeat(101) }), ""],
    ["a regenerate naming a malformed id", JSON.stringify({ ...send, trigger: "regenerate-message", messageId: "a b" }), "r1"],
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
