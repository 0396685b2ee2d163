// The real WebSocketChatTransport from `ai` against `wrangler dev` (answers streamed slowly by the
// offline model): order, a dropped socket resumed with reconnectToStream, a second client attaching
// mid-answer, a workflow's agent step followed live, abort, and refusals (bad frames, tickets).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signTicket } from "../../../src/agents/streaming/ws-ticket.ts";
import { startWranglerDev, type DevServer } from "../../helpers/wrangler-dev.ts";
import {
  apiOf,
  chatFor,
  deltas,
  reloadedHistory,
  shape,
  type TestChat,
  expectContiguous,
  messages,
  newThread,
  PROMPT,
  readRest,
  readUntil,
  send,
  textOf,
  ticket,
  TOKEN,
  transportFor,
  until,
} from "../../helpers/chat-client.ts";

let dev: DevServer;

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN, STEPWISE_OFFLINE_CHUNK_DELAY_MS: "40" } });
});

afterAll(async () => {
  await dev?.dispose();
});

describe("WebSocketChatTransport against wrangler dev", () => {
  it("streams an answer in order, from sequence 0; the text is the saved message", async () => {
    const threadId = await newThread(dev);
    const t = transportFor(dev, threadId);
    const { chunks, ended } = await readUntil(await send(t.transport, threadId, PROMPT));
    expect(ended).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ type: "finish" });
    const [requestId] = t.requestIds();
    expectContiguous(t.framesOf(requestId!));
    expect(t.framesOf(requestId!).at(-1)).toEqual({ type: "end", requestId });
    const saved = await messages(dev, threadId);
    // One id from the first chunk to the saved row.
    expect(chunks[0]).toEqual({ type: "start", messageId: saved[1]!.id });
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(chunks)).toBe(saved[1]!.text);
    expect(saved[1]!.text).toContain("[offline model]");
    t.transport.close();
  });

  it("a socket dropped mid-answer: reconnectToStream replays from 0 and finishes; the text is the saved message", async () => {
    const threadId = await newThread(dev);
    const t = transportFor(dev, threadId);
    const first = await readUntil(await send(t.transport, threadId, PROMPT), deltas(4));
    expect(first.ended).toBe(false);
    t.sockets[0]!.close(); // the network drops: the send's stream fails
    await expect(first.reader.read()).rejects.toThrow(/closed/);

    const resumed = await t.transport.reconnectToStream({ chatId: threadId });
    expect(resumed).not.toBeNull();
    const { chunks, ended } = await readUntil(resumed!);
    expect(ended).toBe(true);
    const resumeId = t.requestIds().find((id) => t.sockets[1]!.frames.some((f) => f.requestId === id))!;
    const frames = t.framesOf(resumeId);
    expect(frames[0]).toEqual({ type: "start", requestId: resumeId });
    expectContiguous(frames);
    expect(chunks[0]).toMatchObject({ type: "start" }); // a full replay, from the answer's first chunk
    const saved = await messages(dev, threadId);
    expect(saved.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(chunks)).toBe(saved[1]!.text);
    expect(textOf(chunks).startsWith(textOf(first.chunks))).toBe(true);

    // Done: nothing in flight, and the answer is in the history.
    expect(await t.transport.reconnectToStream({ chatId: threadId })).toBeNull();
    t.transport.close();
  });

  it("a second client that sends resume mid-answer receives the whole answer", async () => {
    const threadId = await newThread(dev);
    const a = transportFor(dev, threadId);
    const b = transportFor(dev, threadId);
    const own = await readUntil(await send(a.transport, threadId, PROMPT), deltas(5));
    const other = await b.transport.reconnectToStream({ chatId: threadId });
    const [rest, watched] = await Promise.all([readRest(own.reader), readUntil(other!)]);
    const full = [...own.chunks, ...rest];
    expect(watched.ended).toBe(true);
    expect(watched.chunks).toEqual(full);
    expectContiguous(b.framesOf(b.requestIds()[0]!));
    expect(textOf(full)).toBe((await messages(dev, threadId))[1]!.text);
    a.transport.close();
    b.transport.close();
  });

  it("a client attaches to an answer a workflow's agent step is streaming and receives all of it", async () => {
    const threadId = await newThread(dev);
    const api = apiOf(dev);
    const started = await api("POST", "/api/workflows/stream-answer/runs", { args: { prompt: PROMPT, threadId } });
    expect(started.status).toBe(201);
    const t = transportFor(dev, threadId);
    // Attach as soon as the step's answer is in flight (no-active until then).
    const stream = await until(
      "the step's answer in flight",
      () => t.transport.reconnectToStream({ chatId: threadId }),
      (s) => s !== null,
      30_000,
    );
    const { chunks, ended } = await readUntil(stream!);
    expect(ended).toBe(true);
    expect(chunks[0]).toMatchObject({ type: "start" });
    expectContiguous(t.framesOf(t.requestIds().at(-1)!));
    const run = await until(
      "the run completed",
      () => api("GET", `/api/runs/${started.json.runId}?steps=none`),
      (r) => r.json.status === "completed",
    );
    const saved = await messages(dev, threadId);
    expect(saved.map((m) => [m.role, m.agentName])).toEqual([
      ["user", null],
      ["assistant", "streamer"],
    ]);
    expect(textOf(chunks)).toBe(saved[1]!.text);
    expect(run.json.result.text).toBe(saved[1]!.text);
    t.transport.close();
  });

  it("abort stops the model call and saves what was generated, marked aborted", async () => {
    const threadId = await newThread(dev);
    const t = transportFor(dev, threadId);
    const stop = new AbortController();
    const seen = await readUntil(await send(t.transport, threadId, PROMPT, stop.signal), deltas(3));
    stop.abort();
    const saved = await until(
      "the aborted answer saved",
      () => messages(dev, threadId),
      (m) => m.length === 2,
    );
    expect(saved[1]).toMatchObject({ role: "assistant", status: "success", final: true, finishReason: "aborted", error: { code: "answer.aborted" } });
    expect(saved[1]!.text.startsWith(textOf(seen.chunks))).toBe(true);
    expect(saved[1]!.text).not.toContain("(Deterministic offline answer"); // the end never came: the model stopped
    expect(await t.transport.reconnectToStream({ chatId: threadId })).toBeNull();
    t.transport.close();
  });

  it("a follower that stops reading (the SDK sends abort) only stops following: the answer goes on for the sender", async () => {
    const threadId = await newThread(dev);
    const a = transportFor(dev, threadId);
    const b = transportFor(dev, threadId);
    const own = await readUntil(await send(a.transport, threadId, PROMPT), deltas(3));
    const watched = await readUntil((await b.transport.reconnectToStream({ chatId: threadId }))!, deltas(4));
    await watched.reader.cancel(); // the transport sends abort for the follower's request
    const followerId = b.requestIds()[0]!;
    const rest = await readRest(own.reader);
    expect(rest.at(-1)).toMatchObject({ type: "finish" });
    const saved = await messages(dev, threadId);
    expect(saved[1]).toMatchObject({ role: "assistant", status: "success", final: true, finishReason: "stop" });
    expect(textOf([...own.chunks, ...rest])).toBe(saved[1]!.text);
    // The follower got no end: it left before the answer ended.
    expect(b.framesOf(followerId).some((f) => f.type === "end")).toBe(false);
    a.transport.close();
    b.transport.close();
  });
});

/** The tool part of the chat's last answer. */
function toolPart(chat: TestChat): { state: string; approval?: { id: string }; output?: unknown } | undefined {
  return chat.lastMessage?.parts.find((p) => p.type === "tool-grantRefund") as { state: string; approval?: { id: string } } | undefined;
}

/** How often the thread's grantRefund tool ran (counted in the probe by the test Worker's tool). */
async function refunds(threadId: string): Promise<number> {
  const res = await fetch(`${dev.url}/test/probe/counts?prefix=${encodeURIComponent(`refund/${threadId}`)}`);
  return ((await res.json()) as Record<string, number>)[`refund/${threadId}`] ?? 0;
}

/** A chat whose answer stopped for the approval of a refund: the SDK's own approval part, waiting. */
async function askingForApproval() {
  const threadId = await newThread(dev);
  const c = chatFor(dev, threadId);
  await c.chat.sendMessage({ text: "Please refund order 42" });
  expect(c.chat.status).toBe("ready");
  expect(toolPart(c.chat)).toMatchObject({ state: "approval-requested", approval: { id: expect.any(String) } });
  expect(await refunds(threadId)).toBe(0);
  return { threadId, ...c, approvalId: toolPart(c.chat)!.approval!.id };
}

const settledWith = (chat: TestChat, state: string) =>
  until(
    `the chat ready with the tool ${state}`,
    async () => ({ status: chat.status, state: toolPart(chat)?.state, error: chat.error?.message }),
    (v) => (v.status === "ready" && v.state === state) || v.status === "error",
    20_000,
  );

describe("useChat's core (the ai SDK's AbstractChat) against wrangler dev", () => {
  it("regenerate() replaces the answer; the reloaded history has the ids the chat shows; the old answer is kept, superseded", async () => {
    const threadId = await newThread(dev);
    const { chat, transport } = chatFor(dev, threadId);
    await chat.sendMessage({ text: "Tell me about the tides" });
    expect(chat.status).toBe("ready");
    const first = chat.messages[1]!.id;
    expect((await reloadedHistory(dev, threadId)).map(shape)).toEqual(chat.messages.map(shape));

    await chat.regenerate();
    expect(chat.status).toBe("ready");
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(chat.messages[1]!.id).not.toBe(first);
    expect((await reloadedHistory(dev, threadId)).map(shape)).toEqual(chat.messages.map(shape));
    const saved = await messages(dev, threadId);
    expect(saved.map((m) => [m.id, m.status])).toEqual([
      [chat.messages[0]!.id, "success"],
      [first, "superseded"],
      [chat.messages[1]!.id, "success"],
    ]);
    transport.close();
  });

  it("approves a tool from the client: the answer goes on in the same message, the tool ran once, the reload matches", async () => {
    const { threadId, chat, transport, approvalId } = await askingForApproval();
    await chat.addToolApprovalResponse({ id: approvalId, approved: true });
    const done = await settledWith(chat, "output-available");
    expect(done.error).toBeUndefined();
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(shape(chat.lastMessage!).text).toContain("grantRefund returned");
    expect(await refunds(threadId)).toBe(1);
    expect((await reloadedHistory(dev, threadId)).map(shape)).toEqual(chat.messages.map(shape));
    transport.close();
  });

  it("denies a tool from the client with a reason: it never runs, and the model is told", async () => {
    const { threadId, chat, transport, approvalId } = await askingForApproval();
    await chat.addToolApprovalResponse({ id: approvalId, approved: false, reason: "not this one" });
    await settledWith(chat, "output-denied");
    expect(shape(chat.lastMessage!).text).toContain("denied: not this one");
    expect(await refunds(threadId)).toBe(0);
    expect((await reloadedHistory(dev, threadId)).map(shape)).toEqual(chat.messages.map(shape));
    transport.close();
  });

  it("approves after a reconnect: the decision goes over a new socket and the tool runs once", async () => {
    const { threadId, chat, transport, sockets, approvalId } = await askingForApproval();
    const closed = new Promise((r) => sockets[0]!.addEventListener("close", r, { once: true }));
    sockets[0]!.close();
    await closed;
    await chat.addToolApprovalResponse({ id: approvalId, approved: true });
    await settledWith(chat, "output-available");
    expect(sockets.length).toBe(2);
    expect(await refunds(threadId)).toBe(1);
    expect((await reloadedHistory(dev, threadId)).map(shape)).toEqual(chat.messages.map(shape));
    transport.close();
  });
});

describe("refusals", () => {
  it("bad frames get an error frame and change nothing", async () => {
    const threadId = await newThread(dev);
    const ws = new WebSocket(`${dev.url.replace("http", "ws")}/api/threads/${threadId}/ws?ticket=${encodeURIComponent(await ticket(dev, threadId))}`);
    const frames: any[] = [];
    ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data))));
    await new Promise((r) => ws.addEventListener("open", r, { once: true }));
    ws.send("not json");
    ws.send(
      JSON.stringify({ type: "send", requestId: "bad-send", id: threadId, trigger: "submit-message", messages: [{ role: "user" }], headers: {}, body: {} }),
    );
    ws.send(JSON.stringify({ type: "resume", requestId: "bad-resume", id: threadId, lastSequence: "7", headers: {}, body: {} }));
    ws.send(JSON.stringify({ type: "subscribe", requestId: "bad-type" }));
    ws.send(JSON.stringify({ type: "resume", requestId: "fine", id: threadId, headers: {}, body: {} }));
    await until(
      "five answers",
      async () => frames.length,
      (n) => n >= 5,
      10_000,
    );
    expect(frames.slice(0, 4).map((f) => [f.type, f.requestId])).toEqual([
      ["error", ""],
      ["error", "bad-send"],
      ["error", "bad-resume"],
      ["error", "bad-type"],
    ]);
    expect(frames[4]).toEqual({ type: "no-active", requestId: "fine" });
    expect(await messages(dev, threadId)).toEqual([]);
    ws.close();
  });

  it("a missing, expired or other-thread ticket is refused before the upgrade", async () => {
    const threadId = await newThread(dev);
    const other = await newThread(dev);
    const expired = (await signTicket({ secret: TOKEN, threadId, now: Date.now() - 5 * 60_000 })).ticket;
    const cases: [string, number, string][] = [
      ["", 401, "ticket.missing"],
      [`?ticket=${encodeURIComponent(expired)}`, 401, "ticket.expired"],
      [`?ticket=${encodeURIComponent(await ticket(dev, other))}`, 403, "ticket.wrong_thread"],
      ["?ticket=garbage", 401, "ticket.invalid"],
    ];
    for (const [query, status, code] of cases) {
      const res = await fetch(`${dev.url}/api/threads/${threadId}/ws${query}`);
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await res.json()).code).toBe(code);
      // A real WebSocket never opens.
      const ws = new WebSocket(`${dev.url.replace("http", "ws")}/api/threads/${threadId}/ws${query}`);
      const outcome = await new Promise<string>((r) => {
        ws.addEventListener("open", () => r("open"));
        ws.addEventListener("error", () => r("refused"));
      });
      expect(outcome).toBe("refused");
    }
  });
});
