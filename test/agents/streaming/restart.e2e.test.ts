// SIGKILL of `wrangler dev` mid-answer, then a restart on the same state. The chat's own answer (its
// producer died with the process) ends as a saved message marked incomplete; a workflow step's answer
// is finished by the step's retry, its cut-off stream replaced: one answer saved, nothing streaming.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "../../helpers/wrangler-dev.ts";
import {
  apiOf,
  deltas,
  expectContiguous,
  messages,
  newThread,
  PROMPT,
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
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: TOKEN, STEPWISE_OFFLINE_CHUNK_DELAY_MS: "100" } });
});

afterAll(async () => {
  await dev?.dispose();
});

async function kill(): Promise<void> {
  await dev.stop("SIGKILL");
  await dev.restart();
}

/** The thread's event socket, collecting events. */
async function events(threadId: string): Promise<{ received: any[]; close(): void }> {
  const ws = new WebSocket(`${dev.url.replace("http", "ws")}/api/threads/${threadId}/events?ticket=${encodeURIComponent(await ticket(dev, threadId))}`);
  const received: any[] = [];
  ws.addEventListener("message", (e) => received.push(JSON.parse(String(e.data))));
  await new Promise((r) => ws.addEventListener("open", r, { once: true }));
  return { received, close: () => ws.close() };
}

describe("an answer cut off by a SIGKILL of wrangler dev", () => {
  it("the chat's own answer ends as a saved message marked incomplete, holding at least what clients saw", async () => {
    const threadId = await newThread(dev);
    const t = transportFor(dev, threadId);
    const seen = await readUntil(await send(t.transport, threadId, PROMPT), deltas(5));
    await kill();

    // The first request to wake the thread finds the answer its dead instance was making.
    const saved = await until(
      "the thread consistent",
      () => messages(dev, threadId),
      (m) => m.length === 2,
    );
    expect(saved[0]).toMatchObject({ role: "user", text: PROMPT });
    expect(saved[1]).toMatchObject({
      role: "assistant",
      status: "failed",
      final: false,
      finishReason: "incomplete",
      error: { code: "answer.incomplete" },
      promptMessageId: saved[0]!.id,
    });
    // Chunks are stored before they are sent, so the saved part holds everything a client received.
    expect(saved[1]!.text.startsWith(textOf(seen.chunks))).toBe(true);
    expect(saved[1]!.text).not.toContain("(Deterministic offline answer");

    const after = transportFor(dev, threadId);
    expect(await after.transport.reconnectToStream({ chatId: threadId })).toBeNull();
    // And the thread goes on: a new prompt is answered in full.
    const next = await readUntil(await send(after.transport, threadId, "And what happens after a restart?"));
    expect(next.ended).toBe(true);
    const all = await messages(dev, threadId);
    expect(all.map((m) => [m.role, m.status])).toEqual([
      ["user", "success"],
      ["assistant", "failed"],
      ["user", "success"],
      ["assistant", "success"],
    ]);
    expect(textOf(next.chunks)).toBe(all[3]!.text);
    after.transport.close();
  });

  it("a workflow step's answer is finished by the step's retry: one answer saved, followed live after the restart", async () => {
    const threadId = await newThread(dev);
    const api = apiOf(dev);
    const run = await api("POST", "/api/workflows/stream-answer/runs", { args: { prompt: PROMPT, threadId, maxAttempts: 3 } });
    expect(run.status).toBe(201);
    const t = transportFor(dev, threadId);
    const attached = await until(
      "the step's answer in flight",
      () => t.transport.reconnectToStream({ chatId: threadId }),
      (s) => s !== null,
      30_000,
    );
    const before = await readUntil(attached!, deltas(5));
    // The chunks name the answer; its stream (what the retry replaces) is in the thread's snapshot.
    const answerId = (before.chunks[0] as { messageId?: string }).messageId;
    expect(answerId).toMatch(/^msg_/);
    const ev0 = await events(threadId);
    const snapshot = await until(
      "the thread's snapshot",
      async () => ev0.received.find((e) => e.type === "thread.snapshot"),
      (e) => e !== undefined,
      10_000,
    );
    const oldStream: string = snapshot.answers[0].streamId;
    expect(snapshot.answers[0].answerId).toBe(answerId);
    await kill();

    const ev = await events(threadId);
    // The step runs again (the run's watchdog) and opens a new stream, which replaces the cut-off one:
    // by the time this socket connects, the snapshot may show it already.
    const isRetry = (a: { streamId: string } | undefined) => a !== undefined && a.streamId !== oldStream;
    const retried = (e: any) => (e.type === "thread.snapshot" && e.answers.some(isRetry)) || (e.type === "answer.started" && isRetry(e.answer));
    await until(
      "the retry's answer started",
      async () => ev.received,
      (r) => r.some(retried),
      30_000,
    );
    const found = ev.received.find(retried);
    const newStream: string = found.type === "answer.started" ? found.answer.streamId : found.answers.find(isRetry).streamId;
    expect(ev.received.some((e) => e.type === "thread.snapshot" && e.answers.some((a: any) => a.streamId === oldStream) && e.answers.some(isRetry))).toBe(
      false,
    );
    const follower = transportFor(dev, threadId);
    const stream = await follower.transport.reconnectToStream({ chatId: threadId, body: { streamId: newStream } });
    expect(stream).not.toBeNull();
    const { chunks, ended } = await readUntil(stream!);
    expect(ended).toBe(true);
    expectContiguous(follower.framesOf(follower.requestIds()[0]!));

    const done = await until(
      "the run completed",
      () => api("GET", `/api/runs/${run.json.runId}?steps=none`),
      (r) => r.json.status === "completed",
      30_000,
    );
    const saved = await messages(dev, threadId);
    expect(saved.map((m) => [m.role, m.status])).toEqual([
      ["user", "success"],
      ["assistant", "success"],
    ]);
    expect(textOf(chunks)).toBe(saved[1]!.text);
    expect(done.json.result.text).toBe(saved[1]!.text);
    // One id across the retry: the new stream announced the same answer, saved under that id.
    expect(chunks[0]).toEqual({ type: "start", messageId: answerId });
    expect(saved[1]!.id).toBe(answerId);
    expect(await follower.transport.reconnectToStream({ chatId: threadId })).toBeNull();
    ev.close();
    follower.transport.close();
  });
});
