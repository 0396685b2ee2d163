// Following answers in flight with `resume`: full replay then live chunks, `lastSequence`, several
// clients, the oldest answer by default; and what ends an answer: supersession by a step's retry,
// the watchdog for a producer gone, a client's abort. Producers are driven by hand over RPC.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createThread, listMessages, saveMessage } from "../../../../src/agents/index.ts";
import { unwrap } from "../../../../src/kernel/result.ts";
import { newStreamId, streamStub, type Producer } from "../../../../src/agents/streaming/stream-rpc.ts";
import { chunksOf, resumeFrame, textOf, TestSocket, type Frame } from "../../../helpers/sockets.ts";

const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ type: "text-delta", id: "t", delta: `w${from + i} ` }));

/** A thread with a prompt and an answer stream opened on it by a hand-driven producer. */
async function answering(producer: Producer = "step", agentName = "helper") {
  const { threadId } = await createThread(env, { userId: "ada" });
  const { messageId } = await saveMessage(env, { threadId, prompt: "Tell me a story" });
  const rpc = streamStub(env, threadId);
  const open = async (streamId = newStreamId()) => {
    unwrap(
      await rpc.openStream({
        streamId,
        producer,
        agentName,
        promptMessageId: messageId,
        answerId: `msg_${streamId.slice(4)}`,
        runId: null,
        model: "hand",
        provider: "test",
      }),
    );
    let next = 0;
    return {
      streamId,
      push: async (chunks: unknown[]) => {
        const r = unwrap(await rpc.pushChunks({ streamId, from: next, chunks }));
        next += chunks.length;
        return r;
      },
      end: async (outcome: "completed" | "aborted" | "failed") =>
        unwrap(await rpc.endStream({ streamId, outcome, ...(outcome === "failed" ? { error: { code: "model.down", message: "the model went away" } } : {}) })),
    };
  };
  return { threadId, promptMessageId: messageId, rpc, open };
}

describe("resume", () => {
  it("replays from 0 then continues live until end, for every client; lastSequence sends only what follows", async () => {
    const t = await answering();
    const s = await t.open();
    await s.push([{ type: "start", messageId: s.streamId }, { type: "start-step" }, { type: "text-start", id: "t" }, ...words(3)]);

    const a = await TestSocket.open(t.threadId);
    const b = await TestSocket.open(t.threadId);
    a.send(resumeFrame("ra"));
    b.send(resumeFrame("rb", { lastSequence: 4 }));
    await a.next((f) => f.requestId === "ra" && f.sequence === 5);
    await b.next((f) => f.requestId === "rb" && f.sequence === 5);

    await s.push([...words(2, 3), { type: "text-end", id: "t" }, { type: "finish-step" }, { type: "finish", finishReason: "stop" }]);
    await s.end("completed");

    const fa = await a.untilDone("ra");
    expect(fa[0]).toEqual({ type: "start", requestId: "ra" });
    expect(fa.at(-1)).toEqual({ type: "end", requestId: "ra" });
    expect(textOf(chunksOf(fa))).toBe("w0 w1 w2 w3 w4 ");
    const fb = await b.untilDone("rb");
    expect(chunksOf(fb, 5)[0]).toEqual({ type: "text-delta", id: "t", delta: "w2 " });

    // Ended: its chunks are gone, and a resume gets no-active.
    a.send(resumeFrame("again"));
    expect(await a.next((f) => f.requestId === "again")).toEqual({ type: "no-active", requestId: "again" });
  });

  it("without streamId follows the oldest answer in flight; with body.streamId, that answer", async () => {
    const t = await answering("call");
    const first = await t.open();
    const second = await t.open(); // two one-off calls on the same prompt: both in flight
    await first.push([{ type: "start", messageId: first.streamId }]);
    await second.push([{ type: "start", messageId: second.streamId }]);
    const client = await TestSocket.open(t.threadId);
    client.send(resumeFrame("oldest"));
    client.send(resumeFrame("chosen", { streamId: second.streamId }));
    expect((await client.next((f) => f.requestId === "oldest" && f.type === "chunk")).chunk).toEqual({ type: "start", messageId: first.streamId });
    expect((await client.next((f) => f.requestId === "chosen" && f.type === "chunk")).chunk).toEqual({ type: "start", messageId: second.streamId });
    client.send(resumeFrame("gone", { streamId: newStreamId() }));
    expect(await client.next((f) => f.requestId === "gone")).toEqual({ type: "no-active", requestId: "gone" });
  });

  it("a step retried with a new stream supersedes the old: its followers get an error, then follow the new one", async () => {
    const t = await answering("step");
    const old = await t.open();
    await old.push([{ type: "start", messageId: old.streamId }, ...words(2)]);
    const client = await TestSocket.open(t.threadId);
    client.send(resumeFrame("r1"));
    await client.next((f) => f.requestId === "r1" && f.sequence === 2);

    const retry = await t.open();
    const frames = await client.untilDone("r1");
    expect(frames.at(-1)).toMatchObject({ type: "error", errorText: expect.stringContaining("answer.superseded") });
    expect((await old.push(words(1, 2))).live).toBe(false); // the old attempt is told to stop pushing

    client.send(resumeFrame("r2"));
    await retry.push([{ type: "start", messageId: retry.streamId }, ...words(1)]);
    await retry.end("completed");
    expect(textOf(chunksOf(await client.untilDone("r2")))).toBe("w0 ");
    // Superseded and completed: nothing saved by the thread itself (the step saves its answer).
    expect((await listMessages(env, t.threadId)).messages).toHaveLength(1);
  });

  it("refuses a push that skips a sequence, and chunks that are not UI message chunks", async () => {
    const t = await answering();
    const s = await t.open();
    expect(await t.rpc.pushChunks({ streamId: s.streamId, from: 3, chunks: words(1) })).toMatchObject({ ok: false, error: { code: "stream.sequence_gap" } });
    expect(await t.rpc.pushChunks({ streamId: s.streamId, from: 0, chunks: [{ type: "nonsense" }] })).toMatchObject({
      ok: false,
      error: { code: "stream.invalid_chunk" },
    });
    // A repeated push is idempotent.
    await s.push(words(2));
    expect(unwrap(await t.rpc.pushChunks({ streamId: s.streamId, from: 0, chunks: words(2) }))).toEqual({ live: true });
  });
});

describe("ends", () => {
  it("the watchdog ends the thread's own answer whose producer is not in memory: saved as incomplete", async () => {
    const t = await answering("thread", "assistant");
    const s = await t.open();
    await s.push([{ type: "start", messageId: s.streamId }, { type: "start-step" }, ...words(3)]);
    const client = await TestSocket.open(t.threadId);
    client.send(resumeFrame("r1"));
    await client.next((f) => f.requestId === "r1" && f.sequence === 4);

    expect(await runDurableObjectAlarm(env.THREADS.getByName(t.threadId))).toBe(true);

    const frames = await client.untilDone("r1");
    expect(frames.at(-1)).toMatchObject({ type: "error", errorText: expect.stringContaining("answer.incomplete") });
    const { messages } = await listMessages(env, t.threadId);
    expect(messages[1]).toMatchObject({
      role: "assistant",
      text: "w0 w1 w2 ",
      status: "failed",
      finishReason: "incomplete",
      error: { code: "answer.incomplete" },
      promptMessageId: t.promptMessageId,
      agentName: "assistant",
    });
    client.send(resumeFrame("r2"));
    expect((await client.next((f) => f.requestId === "r2")).type).toBe("no-active");
  });

  it("a step's answer is left to its retry by the watchdog until it goes silent", async () => {
    const t = await answering("step");
    const s = await t.open();
    await s.push([{ type: "start", messageId: s.streamId }]);
    await runDurableObjectAlarm(env.THREADS.getByName(t.threadId));
    expect((await s.push(words(1))).live).toBe(true);
  });

  it("an abort of a one-off call's answer only stops the client that sent it from following; the answer goes on", async () => {
    const t = await answering("call");
    const s = await t.open();
    await s.push([{ type: "start", messageId: s.streamId }, { type: "start-step" }, ...words(2)]);
    const watcher = await TestSocket.open(t.threadId);
    const stopper = await TestSocket.open(t.threadId);
    watcher.send(resumeFrame("w"));
    stopper.send(resumeFrame("s"));
    await stopper.next((f) => f.requestId === "s" && f.sequence === 3);
    stopper.send({ type: "abort", requestId: "s" });
    // The abort is read by the object before this push (frames and RPCs arrive in order here).
    await stopper.send(resumeFrame("sync"));
    await stopper.next((f) => f.requestId === "sync");
    expect(await s.push(words(1, 2))).toEqual({ live: true });
    await s.end("completed");

    const frames: Frame[] = await watcher.untilDone("w");
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "w" });
    expect(textOf(chunksOf(frames))).toBe("w0 w1 w2 ");
    // The stopper's request got nothing after its abort, and no end.
    expect(stopper.received.filter((f) => f.requestId === "s" && (f.type === "end" || (f.sequence ?? -1) > 3))).toEqual([]);
    expect((await listMessages(env, t.threadId)).messages).toHaveLength(1); // the producer saves its own answer
  });

  it("an abort of a workflow step's answer only stops that client following it", async () => {
    const t = await answering("step");
    const s = await t.open();
    await s.push([{ type: "start", messageId: s.streamId }]);
    const client = await TestSocket.open(t.threadId);
    client.send(resumeFrame("r1"));
    await client.next((f) => f.requestId === "r1" && f.type === "chunk");
    client.send({ type: "abort", requestId: "r1" });
    client.send(resumeFrame("r2"));
    await client.next((f) => f.requestId === "r2" && f.type === "chunk");
    expect(await s.push(words(1))).toEqual({ live: true });
    await s.end("completed");
    await client.untilDone("r2");
    expect(client.received.filter((f) => f.requestId === "r1" && f.type === "chunk")).toHaveLength(1);
  });

  it("a failed answer of a one-off call saves its partial text as a failed message; a step's saves nothing", async () => {
    for (const producer of ["call", "step"] as const) {
      const t = await answering(producer);
      const s = await t.open();
      await s.push([{ type: "start", messageId: s.streamId }, { type: "start-step" }, ...words(2)]);
      const client = await TestSocket.open(t.threadId);
      client.send(resumeFrame("r"));
      await s.end("failed");
      expect((await client.untilDone("r")).at(-1)).toMatchObject({ type: "error", errorText: "model.down: the model went away" });
      const { messages } = await listMessages(env, t.threadId);
      if (producer === "step") expect(messages).toHaveLength(1);
      else expect(messages[1]).toMatchObject({ text: "w0 w1 ", status: "failed", finishReason: "error", error: { code: "model.down" } });
    }
  });
});
