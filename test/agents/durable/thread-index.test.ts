// The thread index kept by the threads themselves: a thread is listed once created (by the Worker or by
// a workflow's createThread step), a push that failed is made again by the thread's alarm, a push cut
// short is made when the thread next wakes, a late push never moves an entry back, and a thread its
// retention deletes leaves the list. Faults are injected on the thread's calls to the index.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createThread, getThread, listThreads, saveMessage } from "../../../src/agents/index.ts";
import { INDEX_RETRY_MS } from "../../../src/agents/durable/thread-index-outbox.ts";
import { fireUntil, refusal, runStub, startRun } from "../../helpers/runtime.ts";
import { manualClock } from "../../helpers/clock.ts";

afterEach(() => {
  env.STEPWISE_FAULTS = undefined;
});

/** The thread's entry in the index (found among its user's threads), or undefined when it is not listed. */
async function listed(userId: string, threadId: string) {
  return (await listThreads(env, { userId, limit: 100 })).threads.find((t) => t.threadId === threadId);
}

function thread(threadId: string) {
  const stub = env.THREADS.getByName(threadId);
  return {
    stub,
    alarm: () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm()),
    /** The versions the thread counted and the index confirmed. */
    versions: () =>
      runInDurableObject(stub, (_instance, state) =>
        state.storage.sql.exec<{ index_version: number; indexed_version: number }>("SELECT index_version, indexed_version FROM thread").one(),
      ),
    stop: (at: number) => runInDurableObject(stub, (instance) => manualClock(instance).stop(at)),
    advance: (ms: number) => runInDurableObject(stub, (instance) => manualClock(instance).advance(ms)),
  };
}

describe("the thread index", () => {
  it("lists a thread as soon as it is created, and its last saved message as updatedAt", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    const { threadId } = await createThread(env, { userId, title: "Trip" });
    const info = await getThread(env, threadId);
    expect(await listed(userId, threadId)).toEqual({ threadId, userId, title: "Trip", createdAt: info.createdAt, updatedAt: info.createdAt });
    // Nothing is owed once listed: the alarm set in case the push failed is gone again (kept forever: no alarm).
    expect(await thread(threadId).alarm()).toBeNull();

    await thread(threadId).stop(info.createdAt + 5_000);
    await saveMessage(env, { threadId, prompt: "hello" });
    await expect.poll(async () => (await listed(userId, threadId))?.updatedAt).toBe(info.createdAt + 5_000);
  });

  it("lists a thread a workflow's createThread step made", async () => {
    const { runId, status } = await startRun("thread-writes", {});
    expect(status).toBe("sleeping");
    const v = await fireUntil(runStub(runId), (r) => r.status === "completed");
    const { threadId } = v.result as { threadId: string };
    const info = await getThread(env, threadId);
    // The two saved messages' push is not awaited by the steps: it lands shortly after.
    await expect
      .poll(() => listed("tester", threadId))
      .toEqual({ threadId, userId: "tester", title: "replayed", createdAt: info.createdAt, updatedAt: info.updatedAt });
  });

  it("pushes again from the thread's alarm when a push failed; the thread was created all the same", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    env.STEPWISE_FAULTS = "fail=1,only=thread.index";
    const { threadId } = await createThread(env, { userId });
    const t = thread(threadId);
    const created = await getThread(env, threadId);
    expect(await listed(userId, threadId)).toBeUndefined();
    expect(await t.versions()).toEqual({ index_version: 1, indexed_version: 0 });
    const alarm = await t.alarm();
    expect(alarm).not.toBeNull();
    expect(alarm! - created.createdAt).toBeLessThanOrEqual(INDEX_RETRY_MS);

    // Still failing: the alarm pushes, fails, and is set again.
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await listed(userId, threadId)).toBeUndefined();
    expect(await t.alarm()).not.toBeNull();

    env.STEPWISE_FAULTS = undefined;
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await listed(userId, threadId)).toMatchObject({ threadId, createdAt: created.createdAt });
    expect(await t.versions()).toEqual({ index_version: 1, indexed_version: 1 });
    expect(await t.alarm()).toBeNull();
  });

  it("an updatedAt whose push failed is pushed by the alarm", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    const { threadId } = await createThread(env, { userId });
    const t = thread(threadId);
    const created = await getThread(env, threadId);
    await t.stop(created.createdAt + 60_000);
    env.STEPWISE_FAULTS = "fail=1,only=thread.index";
    await saveMessage(env, { threadId, prompt: "unlisted activity" });
    await expect.poll(() => t.alarm()).not.toBeNull();
    expect((await listed(userId, threadId))?.updatedAt).toBe(created.createdAt);

    env.STEPWISE_FAULTS = undefined;
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect((await listed(userId, threadId))?.updatedAt).toBe(created.createdAt + 60_000);
  });

  it("a push cut short (the index never confirmed it) is made when the thread next wakes", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    const { threadId } = await createThread(env, { userId });
    const t = thread(threadId);
    // As if the object had gone away between writing the thread and hearing back from the index.
    await env.THREAD_INDEX.getByName("global").remove(threadId);
    await runInDurableObject(t.stub, (_instance, state) => state.storage.sql.exec("UPDATE thread SET indexed_version = 0"));
    await evictDurableObject(t.stub);

    await getThread(env, threadId); // any call wakes it
    expect(await t.alarm()).not.toBeNull();
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await listed(userId, threadId)).toMatchObject({ threadId });
  });

  it("never moves an entry back: a late push with an older version changes nothing", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    const index = env.THREAD_INDEX.getByName("global");
    const threadId = `thread_${crypto.randomUUID().replaceAll("-", "")}`;
    await index.upsert({ threadId, userId, title: null, createdAt: 100, updatedAt: 300, version: 3 });
    await index.upsert({ threadId, userId, title: null, createdAt: 100, updatedAt: 200, version: 2 });
    await index.upsert({ threadId, userId, title: null, createdAt: 100, updatedAt: 300, version: 3 });
    expect((await listed(userId, threadId))?.updatedAt).toBe(300);
  });

  it("a thread its retention deletes leaves the list; a removal that fails deletes nothing until it is made", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    const { threadId } = await createThread(env, { userId, retentionDays: 1 });
    const t = thread(threadId);
    const info = await getThread(env, threadId);
    expect(await listed(userId, threadId)).toBeDefined();
    expect(await t.alarm()).toBe(info.expiresAt);

    await t.stop(info.expiresAt!);
    env.STEPWISE_FAULTS = "fail=1,only=thread.index";
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect(await getThread(env, threadId)).toMatchObject({ threadId });
    expect(await listed(userId, threadId)).toBeDefined();
    expect(await t.alarm()).not.toBeNull();

    env.STEPWISE_FAULTS = undefined;
    expect(await runDurableObjectAlarm(t.stub)).toBe(true);
    expect((await refusal(getThread(env, threadId))).code).toBe("thread.not_found");
    expect(await listed(userId, threadId)).toBeUndefined();
  });
});
