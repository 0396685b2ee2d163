// Input that used to be dropped, crash a handler or answer 500: bodies of other content types, JSON
// nested thousands of levels deep, unknown runs (no storage created), prototype names as asset names,
// and a run socket closed with a code that may not be echoed.
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problemOf } from "../helpers/http.ts";
import { client, settle, startRun, view } from "../helpers/runtime.ts";

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

describe("request bodies", () => {
  it.each([
    ["text/json", 415, "request.unsupported_media_type"],
    ["application/x-www-form-urlencoded", 415, "request.unsupported_media_type"],
    ["text/plain; charset=utf-8", 415, "request.unsupported_media_type"],
  ])("a signal body sent as %s is refused (%i) and delivers nothing", async (type, status, code) => {
    const { runId, stub } = await startRun("await-approval", { request: "ship" });
    const res = await call("POST", `/api/runs/${runId}/signals/approval`, '{"payload":{"approved":true}}', { "content-type": type });
    expect(res.status).toBe(status);
    expect((await problemOf(res)).code).toBe(code);
    await settle(stub);
    expect((await view(stub)).status).toBe("waiting");
  });

  it("a start sent as text/json is refused, not run with default args", async () => {
    const before = (await client.listRuns({ workflow: "sleepy-greeting", limit: 100 })).runs.length;
    const res = await call("POST", "/api/workflows/sleepy-greeting/runs", '{"args":{"name":"Ada"}}', { "content-type": "text/json" });
    expect(res.status).toBe(415);
    expect((await client.listRuns({ workflow: "sleepy-greeting", limit: 100 })).runs.length).toBe(before);
  });

  it.each(["application/json", "application/json; charset=utf-8", "application/merge-patch+json", null])("reads a JSON body sent as %s", async (type) => {
    const { runId, stub } = await startRun("await-approval", { request: "ship" });
    const headers: Record<string, string> = type === null ? {} : { "content-type": type };
    // Bytes, not a string: a string body would be given the type text/plain.
    const body = new TextEncoder().encode('{"payload":{"approved":true,"by":"ada"}}');
    const res = await exports.default.fetch(
      new Request(`http://stepwise.test/api/runs/${runId}/signals/approval`, {
        method: "POST",
        body,
        headers: { authorization: "Bearer test-token", ...headers },
      }),
    );
    expect(res.status).toBe(202);
    await settle(stub);
    expect((await view(stub)).result).toMatchObject({ outcome: "approved", by: "ada" });
  });

  it("answers malformed JSON with 400 request.malformed_json", async () => {
    const res = await call("POST", "/api/workflows/sleepy-greeting/runs", '{"args":', { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe("request.malformed_json");
  });

  it.each([
    ["a start", "/api/workflows/sleepy-greeting/runs", (d: string) => `{"args":${d}}`],
    ["a signal", "/api/runs/run_0123/signals/go", (d: string) => `{"payload":${d}}`],
    ["a thread", "/api/threads", (d: string) => `{"userId":"u","title":${d}}`],
  ])("refuses %s nested 4,000 levels deep with 400 request.too_deep", async (_what, path, body) => {
    const res = await call("POST", path, body(deep(4000)), { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).code).toBe("request.too_deep");
    // A reasonably nested body is fine.
    expect((await call("POST", "/api/workflows/await-approval/runs", `{"args":{"request":"x","timeoutMs":60000,"extra":${deep(20)}}}`)).status).toBe(201);
  });
});

describe("an unknown run", () => {
  it("answers reads, signals, cancels and event streams with a problem+json 404 and creates no storage", async () => {
    const runId = `run_${crypto.randomUUID().replaceAll("-", "")}`;
    const requests: [string, string, unknown?, Record<string, string>?][] = [
      ["GET", `/api/runs/${runId}`],
      ["POST", `/api/runs/${runId}/signals/go`, { payload: 1 }],
      ["POST", `/api/runs/${runId}/cancel`],
      ["GET", `/api/runs/${runId}/events`],
      ["GET", `/api/runs/${runId}/ws`, undefined, { upgrade: "websocket" }],
    ];
    for (const [method, path, body, headers] of requests) {
      const res = await call(method, path, body, headers);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await problemOf(res)).code, `${method} ${path}`).toBe("run.not_found");
    }
    // The object was asked, but holds no schema and no rows (miniflare lists every object it ever
    // instantiated, so listDurableObjectIds cannot tell).
    const tables = await runInDurableObject(env.WORKFLOW_RUNS.getByName(runId), (_instance, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
    );
    expect(tables).toEqual([]);
  });
});

describe("page assets", () => {
  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])("answers %s with a 404", async (name) => {
    const res = await exports.default.fetch(new Request(`http://stepwise.test/assets/${name}`));
    expect(res.status).toBe(404);
  });
});

describe("the run event socket", () => {
  it.each([1005, 1006, 1015, 1004, 999, 5000])("closes cleanly when the client's close code is %i", async (code) => {
    const { runId } = await startRun("await-approval", { request: "ship" });
    const res = await call("GET", `/api/runs/${runId}/ws`, undefined, { upgrade: "websocket" });
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    const stub = env.WORKFLOW_RUNS.getByName(runId);
    await runInDurableObject(stub, async (instance: { webSocketClose(ws: WebSocket, code: number, reason: string, clean: boolean): void }, state) => {
      const [ws] = state.getWebSockets();
      expect(() => instance.webSocketClose(ws!, code, "", false)).not.toThrow();
    });
  });
});
