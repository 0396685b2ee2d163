// Answers made by a workflow's agent step stream through the thread: a client that attaches mid-answer
// gets all of it, whether the step streams tokens (stream: true) or one batch per model step; a step
// retried after a failure streams again, and promptMessageId still saves one answer.
import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import { createThread, listMessages } from "../../../src/agents/index.ts";
import { mock, textResult, usage } from "../../fixtures/agents/mock-model.ts";
import { fireUntil, settle, startRun, view, type RunStub } from "../../helpers/runtime.ts";
import { chunksOf, resumeFrame, textOf, TestSocket } from "../../helpers/sockets.ts";

afterEach(() => {
  mock.model = undefined;
});

/**
 * A model stream the test feeds by hand, from inside the run object (runInDurableObject): what a part
 * wakes up then runs in that object's context, as a real model's I/O would.
 */
function handStream() {
  const queue: (LanguageModelV4StreamPart | "close" | Error)[] = [];
  let wake: (() => void) | undefined;
  let run: RunStub | undefined;
  const put = async (...parts: (LanguageModelV4StreamPart | "close" | Error)[]) => {
    if (run === undefined) throw new Error("feeding a model stream before its run started");
    await runInDurableObject(run, () => {
      queue.push(...parts);
      wake?.();
    });
  };
  // Made inside doStream: a stream belongs to the context that creates it.
  const stream = () =>
    new ReadableStream<LanguageModelV4StreamPart>({
      async pull(controller) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const part = queue.shift()!;
        if (part === "close") controller.close();
        else if (part instanceof Error) controller.error(part);
        else controller.enqueue(part);
      },
    });
  return {
    stream,
    feeds: (stub: RunStub) => void (run = stub),
    begin: () => put({ type: "stream-start", warnings: [] }, { type: "text-start", id: "t" }),
    words: (...ws: string[]) => put(...ws.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id: "t", delta }))),
    finish: () => put({ type: "text-end", id: "t" }, { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(5, 4) }, "close"),
    fail: () => put(new Error("upstream 503")),
  };
}

async function thread(): Promise<string> {
  return (await createThread(env, { userId: "ada" })).threadId;
}

describe("a workflow's agent step on a thread", () => {
  it("streams tokens (stream: true): a client attaching mid-answer gets it all, equal to the saved message", async () => {
    const threadId = await thread();
    const feed = handStream();
    mock.model = new MockLanguageModelV4({ doStream: async () => ({ stream: feed.stream() }) });
    const events = await TestSocket.open(threadId, "events");
    await events.next((f) => f.type === "thread.snapshot");

    const { stub } = await startRun("stream-answer", { prompt: "Tell me about tides", threadId, model: "mock" }, 1);
    feed.feeds(stub);
    const started = await events.next((f) => f.type === "answer.started");
    expect(started).toMatchObject({ answer: { agentName: "streamer", producer: "step" } });
    await feed.begin();
    await feed.words("Tides ", "follow ");

    const client = await TestSocket.open(threadId);
    client.send(resumeFrame("r1"));
    await client.next((f) => f.requestId === "r1" && f.chunk?.delta === "follow ");
    await feed.words("the ", "moon.");
    await feed.finish();
    const frames = await client.untilDone("r1");
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "r1" });
    expect(await settle(stub)).toBe("completed");

    const chunks = chunksOf(frames);
    const { messages } = await listMessages(env, threadId);
    // One id from the first chunk to the saved row: the stream announced the id the answer is saved under.
    expect(chunks[0]).toEqual({ type: "start", messageId: messages[1]!.id });
    expect((started.answer as { answerId: string }).answerId).toBe(messages[1]!.id);
    expect(messages[1]!.answerId).toBe(messages[1]!.id);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(textOf(chunks)).toBe("Tides follow the moon.");
    expect(messages[1]!.text).toBe("Tides follow the moon.");
    expect((await view(stub)).result).toMatchObject({ text: "Tides follow the moon.", messageId: messages[1]!.id });
    expect(await events.next((f) => f.type === "answer.ended")).toMatchObject({ outcome: "completed" });
  });

  it("without a token stream, shows each model step when it ends", async () => {
    const threadId = await thread();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    mock.model = new MockLanguageModelV4({
      doGenerate: async () => {
        await gate;
        return textResult("Low tide is at noon.");
      },
    });
    const events = await TestSocket.open(threadId, "events");
    const { stub } = await startRun("stream-answer", { prompt: "When is low tide?", threadId, model: "mock", stream: false }, 1);
    await events.next((f) => f.type === "answer.started");
    const client = await TestSocket.open(threadId);
    client.send(resumeFrame("r1"));
    await client.next((f) => f.requestId === "r1" && f.type === "chunk"); // the answer's start
    release();
    const chunks = chunksOf(await client.untilDone("r1"));
    expect(chunks.map((c) => c.type)).toEqual(["start", "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish"]);
    expect(await settle(stub)).toBe("completed");
    expect(textOf(chunks)).toBe((await listMessages(env, threadId)).messages[1]!.text);
  });

  it("a step that fails mid-stream ends its stream with an error and saves nothing; the retry streams the answer once", async () => {
    const threadId = await thread();
    const feeds = [handStream(), handStream()];
    let calls = 0;
    mock.model = new MockLanguageModelV4({ doStream: async () => ({ stream: feeds[calls++]!.stream() }) });
    const events = await TestSocket.open(threadId, "events");
    const { stub } = await startRun("stream-answer", { prompt: "And high tide?", threadId, model: "mock", maxAttempts: 2 }, 1);
    for (const f of feeds) f.feeds(stub);
    await events.next((f) => f.type === "answer.started");
    const client = await TestSocket.open(threadId);
    client.send(resumeFrame("r1"));
    await feeds[0]!.begin();
    await feeds[0]!.words("High ");
    await client.next((f) => f.requestId === "r1" && f.chunk?.delta === "High ");
    await feeds[0]!.fail();
    expect((await client.untilDone("r1")).at(-1)).toMatchObject({ type: "error" });
    expect(await settle(stub)).toBe("sleeping"); // the retry's backoff

    await feeds[1]!.begin();
    await feeds[1]!.words("High tide is at six.");
    await feeds[1]!.finish();
    const done = await fireUntil(stub, (v) => v.status === "completed");
    expect(done.result).toMatchObject({ text: "High tide is at six." });
    const { messages } = await listMessages(env, threadId);
    expect(messages.map((m) => [m.role, m.status, m.text])).toEqual([
      ["user", "success", "And high tide?"],
      ["assistant", "success", "High tide is at six."],
    ]);
  });
});
