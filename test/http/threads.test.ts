// GET /api/threads: newest first by creation (ties by id), pages with an opaque cursor with no gap or
// duplicate, an exact userId filter, 400s that name the failing parameter, and the typed client.
// Each thread's creation time is set by its own clock, so order and ties are known in advance.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { describe, expect, expectTypeOf, it } from "vitest";
import { threadStub } from "../../src/agents/index.ts";
import type { AppType } from "../../src/http/app.ts";
import { mintId, unwrap } from "../../src/kernel/index.ts";
import { manualClock } from "../helpers/clock.ts";
import { call, problemOf } from "../helpers/http.ts";

interface Page {
  threads: { threadId: string; userId: string; title: string | null; createdAt: number; updatedAt: number }[];
  nextCursor: string | null;
}

/** Creates a thread whose clock reads `at` (so its createdAt is `at`). */
async function threadAt(userId: string, at: number, title: string | null = null): Promise<string> {
  const threadId = mintId("thread");
  await runInDurableObject(env.THREADS.getByName(threadId), (instance) => manualClock(instance).stop(at));
  unwrap(await threadStub(env, threadId).create({ threadId, userId, title }));
  return threadId;
}

async function list(query: string): Promise<Page> {
  const res = await call("GET", `/api/threads?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

/** Every page of a query, following nextCursor; the pages' sizes too. */
async function allPages(query: string): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await list(`${query}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
    ids.push(...page.threads.map((t) => t.threadId));
    sizes.push(page.threads.length);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { ids, sizes };
}

describe("GET /api/threads", () => {
  it("lists threads newest first (ties by thread id) and pages through them with no gap or duplicate", async () => {
    const userId = `u-${crypto.randomUUID()}`;
    const base = Date.now();
    const made: { id: string; at: number }[] = [];
    for (const at of [0, 1, 1, 2, 3, 3, 3, 4]) made.push({ id: await threadAt(userId, base + at, at === 0 ? "first" : null), at: base + at });
    const expected = [...made].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((t) => t.id);

    const first = await list(`userId=${userId}&limit=3`);
    expect(first.threads.map((t) => t.threadId)).toEqual(expected.slice(0, 3));
    expect(first.threads[0]).toEqual({ threadId: expected[0], userId, title: null, createdAt: base + 4, updatedAt: base + 4 });
    expect(first.nextCursor).toEqual(expect.any(String));

    const pages = await allPages(`userId=${userId}&limit=3`);
    expect(pages.ids).toEqual(expected);
    expect(pages.sizes).toEqual([3, 3, 2]);
    // The default limit (20) holds them all on one page, the oldest with its title.
    const one = await list(`userId=${userId}`);
    expect(one.nextCursor).toBeNull();
    expect(one.threads.at(-1)).toMatchObject({ threadId: made[0]!.id, title: "first", createdAt: base });
  });

  it("keeps one user's threads with userId (an exact match); without it, lists everyone's", async () => {
    const ada = `ada-${crypto.randomUUID()}`;
    const adam = `${ada}m`;
    const now = Date.now();
    const adas = [await threadAt(ada, now), await threadAt(ada, now + 1)];
    const adams = [await threadAt(adam, now + 2)];
    expect((await list(`userId=${ada}`)).threads.map((t) => t.threadId)).toEqual([...adas].reverse());
    expect((await list(`userId=${adam}`)).threads.map((t) => t.threadId)).toEqual(adams);
    expect((await list(`userId=nobody-${crypto.randomUUID()}`)).threads).toEqual([]);
    const everyone = await allPages("limit=100");
    expect(everyone.ids).toEqual(expect.arrayContaining([...adas, ...adams]));
    expect(new Set(everyone.ids).size).toBe(everyone.ids.length);
  });

  it.each([
    ["a cursor that is not base64 JSON", "cursor=garbage", "request.invalid_cursor", "/cursor"],
    ["a cursor of the wrong shape", `cursor=${btoa(JSON.stringify({ c: "late", t: 1 }))}`, "request.invalid_cursor", "/cursor"],
    ["a limit of 0", "limit=0", "request.invalid", "/limit"],
    ["a limit over 100", "limit=101", "request.invalid", "/limit"],
    ["a limit that is not a number", "limit=ten", "request.invalid", "/limit"],
    ["an empty userId", "userId=", "request.invalid", "/userId"],
  ])("refuses %s with a 400 naming the parameter, and changes nothing", async (_, query, code, path) => {
    const userId = `u-${crypto.randomUUID()}`;
    await threadAt(userId, Date.now());
    const before = await list(`userId=${userId}`);
    const res = await call("GET", `/api/threads?${query}`);
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe(code);
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    expect(await list(`userId=${userId}`)).toEqual(before);
  });

  it("needs the bearer token", async () => {
    const res = await exports.default.fetch(new Request("http://stepwise.test/api/threads"));
    expect(res.status).toBe(401);
  });

  it("is typed for hc<AppType>, and a thread created through POST /api/threads is listed at once", async () => {
    const api = hc<AppType>("http://stepwise.test", {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
      headers: { authorization: "Bearer test-token" },
    });
    const userId = `u-${crypto.randomUUID()}`;
    const created = await (await api.api.threads.$post({ json: { userId, title: "Typed" } })).json();
    const res = await api.api.threads.$get({ query: { userId, limit: "5" } });
    expect(res.status).toBe(200);
    const page = await res.json();
    expectTypeOf(page.threads[0]!.title).toEqualTypeOf<string | null>();
    expectTypeOf(page.nextCursor).toEqualTypeOf<string | null>();
    expect(page).toEqual({
      threads: [{ threadId: created.threadId, userId, title: "Typed", createdAt: created.createdAt, updatedAt: created.createdAt }],
      nextCursor: null,
    });
  });
});
