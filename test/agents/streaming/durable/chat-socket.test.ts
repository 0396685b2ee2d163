// The chat WebSocket in workerd: tickets before the upgrade, a `send` streamed as UI message chunks
// from sequence 0, `resume` with nothing in flight, and bad frames refused without changing anything.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createThread, listMessages } from "../../../../src/agents/index.ts";
import { signTicket } from "../../../../src/agents/streaming/ws-ticket.ts";
import { call, problemOf } from "../../../helpers/http.ts";
import { chunksOf, resumeFrame, sendFrame, textOf, TestSocket, ticketFor, upgrade } from "../../../helpers/sockets.ts";

async function thread(): Promise<string> {
  return (await createThread(env, { userId: "ada" })).threadId;
}

describe("tickets", () => {
  it("are minted for an existing thread with the bearer token only", async () => {
    const threadId = await thread();
    expect((await call("POST", `/api/threads/${threadId}/ws-ticket`, undefined, { authorization: "" })).status).toBe(401);
    const missing = await call("POST", "/api/threads/thread_00000000000000000000000000000000/ws-ticket");
    expect((await problemOf(missing)).code).toBe("thread.not_found");
    const res = await call("POST", `/api/threads/${threadId}/ws-ticket`);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { ticket: string; expiresAt: number; chatUrl: string };
    expect(body.expiresAt).toBeGreaterThan(Date.now());
    expect(body.chatUrl).toBe(`/api/threads/${threadId}/ws?ticket=${encodeURIComponent(body.ticket)}`);
  });

  it.each([
    ["missing", async () => "", 401, "ticket.missing"],
    ["garbled", async () => "not-a-ticket", 401, "ticket.invalid"],
    ["forged", async (id: string) => (await signTicket({ secret: "another-token", threadId: id, now: Date.now() })).ticket, 401, "ticket.invalid"],
    ["expired", async (id: string) => (await signTicket({ secret: env.API_TOKEN, threadId: id, now: Date.now() - 120_000 })).ticket, 401, "ticket.expired"],
    ["for another thread", async () => ticketFor(await thread()), 403, "ticket.wrong_thread"],
  ])("refuse a %s ticket before the upgrade", async (_name, ticket, status, code) => {
    const threadId = await thread();
    const t = await ticket(threadId);
    for (const channel of ["ws", "events"]) {
      const res = await upgrade(`/api/threads/${threadId}/${channel}${t === "" ? "" : `?ticket=${encodeURIComponent(t)}`}`);
      expect(res.status).toBe(status);
      expect(res.webSocket).toBeNull();
      expect((await problemOf(res)).code).toBe(code);
    }
  });

  it("a valid ticket still needs a WebSocket upgrade", async () => {
    const threadId = await thread();
    const res = await call("GET", `/api/threads/${threadId}/ws?ticket=${encodeURIComponent(await ticketFor(threadId))}`);
    expect(res.status).toBe(426);
    expect((await problemOf(res)).code).toBe("request.upgrade_required");
  });
});

describe("regenerate", () => {
  const regenerateFrame = (requestId: string, messageId?: string) => ({ ...sendFrame(requestId, "unused"), trigger: "regenerate-message", messageId });

  it("answers an earlier prompt again: what followed it is kept, superseded; the history and the model see only the new answer", async () => {
    const threadId = await thread();
    const client = await TestSocket.open(threadId);
    client.send(sendFrame("r1", "first question"));
    await client.untilDone("r1");
    client.send(sendFrame("r2", "second question"));
    await client.untilDone("r2");
    const before = (await listMessages(env, threadId)).messages;
    client.send(regenerateFrame("r3", before[1]!.id));
    const frames = await client.untilDone("r3");
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "r3" });
    const after = (await listMessages(env, threadId)).messages;
    const answer = chunksOf(frames)[0]!.messageId;
    expect(after.map((m) => [m.id, m.status])).toEqual([
      [before[0]!.id, "success"],
      [before[1]!.id, "superseded"],
      [before[2]!.id, "superseded"],
      [before[3]!.id, "superseded"],
      [answer, "success"],
    ]);
    expect(after[4]).toMatchObject({ promptMessageId: before[0]!.id, final: true, answerId: answer });
    const ui = (await (await call("GET", `/api/threads/${threadId}/ui-messages`)).json()) as { messages: { id: string }[] };
    expect(ui.messages.map((m) => m.id)).toEqual([before[0]!.id, answer]);
  });

  it("refuses when no prompt matches, and changes nothing", async () => {
    const threadId = await thread();
    const client = await TestSocket.open(threadId);
    client.send(regenerateFrame("g1"));
    expect(await client.next((f) => f.requestId === "g1")).toMatchObject({ type: "error", errorText: expect.stringContaining("chat.nothing_to_regenerate") });
    client.send(sendFrame("g2", "hello"));
    await client.untilDone("g2");
    client.send(regenerateFrame("g3", "msg_unknown"));
    expect(await client.next((f) => f.requestId === "g3")).toMatchObject({ type: "error", errorText: expect.stringContaining("chat.nothing_to_regenerate") });
    expect((await listMessages(env, threadId)).messages.map((m) => m.status)).toEqual(["success", "success"]);
  });
});

describe("send", () => {
  it("saves the prompt and streams the answer from sequence 0, then end; the text is the saved message", async () => {
    const threadId = await thread();
    const client = await TestSocket.open(threadId);
    client.send(sendFrame("r1", "What is a durable object?"));
    const frames = await client.untilDone("r1");
    expect(frames[0]).toEqual({ type: "start", requestId: "r1" });
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "r1" });
    const chunks = chunksOf(frames);
    expect(chunks.at(-1)).toMatchObject({ type: "finish" });
    const { messages } = await listMessages(env, threadId);
    // The client's prompt keeps the client's id; the answer is saved under the id its stream announced.
    expect(messages[0]!.id).toBe("u_r1");
    expect(chunks[0]).toEqual({ type: "start", messageId: messages[1]!.id });
    expect(messages.map((m) => [m.role, m.agentName])).toEqual([
      ["user", null],
      ["assistant", "assistant"],
    ]);
    expect(messages[0]!.text).toBe("What is a durable object?");
    expect(textOf(chunks)).toBe(messages[1]!.text);
    expect(messages[1]).toMatchObject({ status: "success", final: true, promptMessageId: messages[0]!.id });

    // Nothing in flight any more: resume says so, and the answer is in the history.
    client.send(resumeFrame("r2"));
    expect(await client.next((f) => f.requestId === "r2")).toEqual({ type: "no-active", requestId: "r2" });
  });

  it("a send repeated with the same message id saves the prompt once and replays the saved answer", async () => {
    const threadId = await thread();
    const client = await TestSocket.open(threadId);
    client.send(sendFrame("r1", "Hello there", "u_same"));
    const first = textOf(chunksOf(await client.untilDone("r1")));
    client.send(sendFrame("r2", "Hello there", "u_same"));
    const again = await client.untilDone("r2");
    expect(textOf(chunksOf(again))).toBe(first);
    expect((await listMessages(env, threadId)).messages).toHaveLength(2);
  });
});

describe("bad frames", () => {
  it.each([
    ["not JSON", "{nope", ""],
    ["binary", new Uint8Array([1, 2, 3]), ""],
    ["an unknown type", { type: "hello", requestId: "b1", id: "c", headers: {}, body: {} }, "b1"],
    ["a send without messages", { type: "send", requestId: "b2", id: "c", trigger: "submit-message", messages: [], headers: {}, body: {} }, "b2"],
    [
      "a send whose last message is the assistant's",
      { ...sendFrame("b3", "x"), messages: [{ id: "a1", role: "assistant", parts: [{ type: "text", text: "hi" }] }] },
      "b3",
    ],
    ["a regenerate naming a malformed message id", { ...sendFrame("b4", "x"), trigger: "regenerate-message", messageId: "../x" }, "b4"],
    ["a resume with a negative lastSequence", { ...resumeFrame("b5"), lastSequence: -3 }, "b5"],
    ["a resume with a malformed streamId", resumeFrame("b6", { streamId: "../etc" }), "b6"],
    ["an abort without requestId", { type: "abort" }, ""],
  ])("%s gets an error frame and changes nothing", async (_name, frame, requestId) => {
    const threadId = await thread();
    const client = await TestSocket.open(threadId);
    if (frame instanceof Uint8Array) client.ws.send(frame);
    else client.send(frame);
    const error = await client.next();
    expect(error).toMatchObject({ type: "error", requestId, errorText: expect.stringContaining("chat.invalid_frame") });
    expect((await listMessages(env, threadId)).messages).toHaveLength(0);
    // The socket still works.
    client.send(resumeFrame("after"));
    expect(await client.next()).toEqual({ type: "no-active", requestId: "after" });
  });
});
