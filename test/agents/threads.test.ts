// Threads: createThread and saveMessage with the Worker env, with an action's idempotency key (a
// retried mutation), and as workflow steps under replay; and the /api/threads routes.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createThread, getThread, listMessages, saveMessage } from "../../src/agents/index.ts";
import { StepwiseError } from "../../src/engine/index.ts";
import { call, problemOf } from "../helpers/http.ts";
import { fireUntil, runStub, startRun, view } from "../helpers/runtime.ts";

describe("createThread and saveMessage", () => {
  it("with the Worker env: a new thread, messages in order with their role and content", async () => {
    const { threadId } = await createThread(env, { userId: "ada", title: "Hello" });
    expect(threadId).toMatch(/^thread_[0-9a-f]{32}$/);
    const a = await saveMessage(env, { threadId, prompt: "Hi" });
    const b = await saveMessage(env, { threadId, message: { role: "assistant", content: [{ type: "text", text: "Hello!" }] }, agentName: "greeter" });
    expect([a.order, b.order]).toEqual([1, 2]);
    expect(await getThread(env, threadId)).toMatchObject({ threadId, userId: "ada", title: "Hello", messageCount: 2 });
    const { messages } = await listMessages(env, threadId);
    expect(messages.map((m) => ({ id: m.id, role: m.role, text: m.text, agentName: m.agentName, status: m.status }))).toEqual([
      { id: a.messageId, role: "user", text: "Hi", agentName: null, status: "success" },
      { id: b.messageId, role: "assistant", text: "Hello!", agentName: "greeter", status: "success" },
    ]);
    expect(messages[0]!.createdAt).toEqual(expect.any(Number));
  });

  it("a retried mutation (same idempotency key, fresh context) creates one thread and one message", async () => {
    const attempt = () => ({ env, idempotencyKey: "run_retried:3" });
    const first = await createThread(attempt(), { userId: "ada" });
    const again = await createThread(attempt(), { userId: "ada" });
    expect(again.threadId).toBe(first.threadId);
    const m1 = await saveMessage(attempt(), { threadId: first.threadId, prompt: "once" });
    const m2 = await saveMessage(attempt(), { threadId: first.threadId, prompt: "once" });
    expect(m2).toEqual(m1);
    expect((await getThread(env, first.threadId)).messageCount).toBe(1);
  });

  it("as workflow steps: mutation steps, not repeated when the run replays after an eviction", async () => {
    const { runId, stub, status } = await startRun("thread-writes", {});
    expect(status).toBe("sleeping");
    const before = await view(stub);
    expect(before.steps!.slice(0, 3).map((s) => [s.name, s.kind, s.status])).toEqual([
      ["createThread", "mutation", "completed"],
      ["saveMessage", "mutation", "completed"],
      ["saveMessage", "mutation", "completed"],
    ]);
    await evictDurableObject(stub);
    const v = await fireUntil(runStub(runId), (r) => r.status === "completed");
    const r = v.result as { threadId: string; ids: string[] };
    const { messages } = await listMessages(env, r.threadId);
    expect(messages.map((m) => m.id)).toEqual(r.ids);
    expect(messages.map((m) => m.text)).toEqual(["first", "second"]);
  });

  it("refuses an unknown thread with thread.not_found", async () => {
    const err = await saveMessage(env, { threadId: `thread_${"0".repeat(32)}`, prompt: "hello?" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepwiseError);
    expect((err as StepwiseError).code).toBe("thread.not_found");
  });
});

describe("/api/threads", () => {
  it("creates a thread, reads it, pages through its messages", async () => {
    const res = await call("POST", "/api/threads", { userId: "ada", title: "Support" });
    expect(res.status).toBe(201);
    const thread = (await res.json()) as { threadId: string };
    expect(thread).toMatchObject({ userId: "ada", title: "Support", messageCount: 0 });
    for (let i = 1; i <= 5; i++) await saveMessage(env, { threadId: thread.threadId, prompt: `m${i}` });

    expect(await (await call("GET", `/api/threads/${thread.threadId}`)).json()).toMatchObject({ threadId: thread.threadId, messageCount: 5 });

    const texts: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = (await (await call("GET", `/api/threads/${thread.threadId}/messages?limit=2${cursor ? `&cursor=${cursor}` : ""}`)).json()) as {
        messages: { text: string }[];
        nextCursor: string | null;
      };
      texts.push(...page.messages.map((m) => m.text));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(texts).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(pages).toBe(3);
  });

  it("an Idempotency-Key makes a retried create return the same thread", async () => {
    const key = `create-${crypto.randomUUID()}`;
    const a = (await (await call("POST", "/api/threads", { userId: "ada" }, { "idempotency-key": key })).json()) as { threadId: string };
    const b = (await (await call("POST", "/api/threads", { userId: "ada" }, { "idempotency-key": key })).json()) as { threadId: string };
    expect(b.threadId).toBe(a.threadId);
  });

  it("takes a retentionDays: the thread shows when it expires; without one, expiresAt is null", async () => {
    const res = await call("POST", "/api/threads", { userId: "ada", retentionDays: 1.5 });
    expect(res.status).toBe(201);
    const thread = (await res.json()) as { threadId: string; createdAt: number; expiresAt: number | null };
    expect(thread.expiresAt).toBe(thread.createdAt + 1.5 * 24 * 3_600_000);
    expect(await (await call("GET", `/api/threads/${thread.threadId}`)).json()).toMatchObject({ expiresAt: thread.expiresAt });
    const kept = (await (await call("POST", "/api/threads", { userId: "ada" })).json()) as { expiresAt: number | null };
    expect(kept.expiresAt).toBeNull();
  });

  it.each([
    ["a negative retention", -1],
    ["a retention over 100 years", 36_501],
    ["a retention as a string", "7"],
    ["a null retention", null],
  ])("refuses %s at /retentionDays, and creates nothing", async (_, retentionDays) => {
    const key = `bad-retention-${crypto.randomUUID()}`;
    const res = await call("POST", "/api/threads", { userId: "bob", retentionDays }, { "idempotency-key": key });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("request.invalid");
    expect(p.errors?.map((e) => e.path)).toEqual(["/retentionDays"]);
    // The same key then creates a new thread: had the refused request made one, it would come back as bob's.
    const retried = await call("POST", "/api/threads", { userId: "ada" }, { "idempotency-key": key });
    expect(await retried.json()).toMatchObject({ userId: "ada", messageCount: 0, expiresAt: null });
  });

  it.each([
    ["an unknown thread", () => call("GET", `/api/threads/thread_${"f".repeat(32)}`), 404, "thread.not_found"],
    ["a malformed thread id", () => call("GET", "/api/threads/nope/messages"), 404, "thread.not_found"],
    ["a missing userId", () => call("POST", "/api/threads", { title: "x" }), 400, "request.invalid"],
    ["a bad limit", () => call("GET", `/api/threads/thread_${"f".repeat(32)}/messages?limit=0`), 400, "request.invalid"],
    ["no token", () => call("GET", "/api/threads/x", undefined, { authorization: "" }), 401, "auth.missing_token"],
  ])("%s is problem+json", async (_, request, status, code) => {
    const res = await request();
    expect(res.status).toBe(status);
    expect(await problemOf(res)).toMatchObject({ status, code });
  });
});
