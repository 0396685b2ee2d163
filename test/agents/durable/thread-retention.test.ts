// Thread retention in the thread object: a thread with a retention is deleted once it passed after its
// last activity (by the thread's clock, never early), a saved message moves that later, an answer in
// flight holds it, and the one alarm still serves the stream watchdog. Time is moved by hand.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createThread, getThread, listMessages, saveMessage } from "../../../src/agents/index.ts";
import { newStreamId, streamStub } from "../../../src/agents/streaming/stream-rpc.ts";
import { THREAD_MIGRATIONS } from "../../../src/agents/durable/thread-schema.ts";
import { migrate, Sql, unwrap } from "../../../src/kernel/index.ts";
import { manualClock } from "../../helpers/clock.ts";
import { TestSocket } from "../../helpers/sockets.ts";
import { DAY_MS, refusal } from "../../helpers/runtime.ts";

/** A thread's object, with its alarm, its tables and its clock at hand. */
function threadObject(threadId: string) {
  const stub = env.THREADS.getByName(threadId);
  return {
    stub,
    alarm: () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm()),
    tables: () =>
      runInDurableObject(stub, (_instance, state) =>
        state.storage.sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")
          .toArray()
          .map((r) => r.name),
      ),
    stop: (at: number) => runInDurableObject(stub, (instance) => manualClock(instance).stop(at)),
    advance: (ms: number) => runInDurableObject(stub, (instance) => manualClock(instance).advance(ms)),
  };
}

/** An answer stream opened by hand on a thread's prompt, as a step or a Worker call would open one. */
async function openHandStream(threadId: string, promptMessageId: string, producer: "step" | "call") {
  const rpc = streamStub(env, threadId);
  const streamId = newStreamId();
  const answerId = `msg_${streamId.slice(4)}`;
  unwrap(await rpc.openStream({ streamId, producer, agentName: "helper", promptMessageId, answerId, runId: null, model: "hand", provider: "test" }));
  return { rpc, streamId };
}

async function gone(threadId: string): Promise<void> {
  expect((await refusal(getThread(env, threadId))).code).toBe("thread.not_found");
  expect((await refusal(listMessages(env, threadId))).code).toBe("thread.not_found");
  expect((await refusal(saveMessage(env, { threadId, prompt: "still there?" }))).code).toBe("thread.not_found");
}

describe("thread retention", () => {
  it("deletes a thread (closing its sockets) when its retention has passed since its creation, not before", async () => {
    const { threadId } = await createThread(env, { userId: "ada", retentionDays: 1 });
    const t = threadObject(threadId);
    const info = await getThread(env, threadId);
    expect(info.expiresAt).toBe(info.createdAt + DAY_MS);
    expect(await t.alarm()).toBe(info.expiresAt);

    // An alarm run early (by hand, or a millisecond before) deletes nothing and is set again.
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    await t.stop(info.expiresAt! - 1);
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await getThread(env, threadId)).toEqual(info);
    expect(await t.alarm()).toBe(info.expiresAt);

    const events = await TestSocket.open(threadId, "events");
    const closed = new Promise<string>((resolve) => events.ws.addEventListener("close", (e) => resolve(e.reason)));
    await t.advance(1);
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await closed).toBe("the thread was deleted");
    expect(await t.tables()).toEqual([]);
    expect(await t.alarm()).toBeNull();
    await gone(threadId);
  });

  it("a saved message moves the expiry later: the alarm set for the old one deletes nothing", async () => {
    const { threadId } = await createThread(env, { userId: "ada", retentionDays: 2 });
    const t = threadObject(threadId);
    const created = await getThread(env, threadId);
    await t.stop(created.createdAt + DAY_MS);
    await saveMessage(env, { threadId, prompt: "a day later" });
    const moved = await getThread(env, threadId);
    expect(moved.expiresAt).toBe(created.createdAt + 3 * DAY_MS);

    await t.advance(DAY_MS); // the first expiry
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect((await getThread(env, threadId)).messageCount).toBe(1);
    expect(await t.alarm()).toBe(moved.expiresAt);

    await t.advance(DAY_MS);
    await runDurableObjectAlarm(t.stub);
    await gone(threadId);
  });

  it("a thread without a retention has no expiry and no alarm", async () => {
    const { threadId } = await createThread(env, { userId: "ada" });
    await saveMessage(env, { threadId, prompt: "kept" });
    expect((await getThread(env, threadId)).expiresAt).toBeNull();
    expect(await threadObject(threadId).alarm()).toBeNull();
  });

  it("keeps an expired thread while an answer is in flight in it, and deletes it at the first alarm after the answer ended", async () => {
    const { threadId } = await createThread(env, { userId: "ada", retentionDays: 1 });
    const { messageId } = await saveMessage(env, { threadId, prompt: "Tell me a story" });
    const { expiresAt } = await getThread(env, threadId);
    const t = threadObject(threadId);
    await t.stop(expiresAt! - 1_000);
    const { rpc, streamId } = await openHandStream(threadId, messageId, "step");
    unwrap(await rpc.pushChunks({ streamId, from: 0, chunks: [{ type: "start", messageId: streamId }] }));

    await t.advance(2_000); // expired, and the producer spoke 2 s ago
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect((await getThread(env, threadId)).messageCount).toBe(1);
    expect(await t.alarm()).toBe(expiresAt! + 1_000 + 60_000); // the watchdog looks again
    expect(unwrap(await rpc.pushChunks({ streamId, from: 1, chunks: [{ type: "start-step" }] }))).toEqual({ live: true });

    unwrap(await rpc.endStream({ streamId, outcome: "completed" }));
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    await gone(threadId);
  });

  it("an answer opened on a thread with a distant expiry brings the alarm forward for the watchdog, then gives it back", async () => {
    const { threadId } = await createThread(env, { userId: "ada", retentionDays: 30 });
    const { messageId } = await saveMessage(env, { threadId, prompt: "Hello" });
    const { expiresAt } = await getThread(env, threadId);
    const t = threadObject(threadId);
    const now = expiresAt! - 30 * DAY_MS + 5_000;
    await t.stop(now);
    const { rpc, streamId } = await openHandStream(threadId, messageId, "call");
    expect(await t.alarm()).toBe(now + 60_000);

    unwrap(await rpc.endStream({ streamId, outcome: "completed" }));
    await t.advance(60_000);
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await t.alarm()).toBe(expiresAt);
    expect((await getThread(env, threadId)).messageCount).toBe(1);
  });

  it("a thread stored before retention existed is kept forever, its last activity taken from its last update", async () => {
    const threadId = `thread_${crypto.randomUUID().replaceAll("-", "")}`;
    const t = threadObject(threadId);
    await runInDurableObject(t.stub, (_instance, state) => {
      const sql = new Sql(state.storage);
      migrate(sql, THREAD_MIGRATIONS.slice(0, 2));
      sql.exec("INSERT INTO thread (id, thread_id, user_id, title, created_at, updated_at) VALUES (1, ?, 'ada', NULL, 1000, 2000)", threadId);
    });
    await evictDurableObject(t.stub);
    expect(await getThread(env, threadId)).toMatchObject({ threadId, createdAt: 1000, updatedAt: 2000, expiresAt: null });
    expect(await runInDurableObject(t.stub, (_instance, state) => new Sql(state.storage).first("SELECT last_activity_at AS at FROM thread"))).toEqual({
      at: 2000,
    });
    // Woken, it owes the thread index its entry (it was made before the index) and arms its alarm for
    // that push; once pushed, a thread kept forever has no alarm.
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await t.alarm()).toBeNull();
  });
});
