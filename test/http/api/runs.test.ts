// Idempotent starts, the run list, the event streams, the OpenAPI document and the typed client.
import { exports } from "cloudflare:workers";
import { hc } from "hono/client";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { AppType } from "../../../src/http/app.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { type Ev, readSse } from "../../helpers/sse.ts";
import { client, fireUntil, runStub, settle } from "../../helpers/runtime.ts";

describe("Idempotency-Key on start", () => {
  it("returns the same run to 20 concurrent identical starts, and creates exactly one", async () => {
    const key = `order-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call("POST", "/api/workflows/await-approval/runs", { args: { request: "once" } }, { "idempotency-key": key })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { runId: string }[];
    expect(new Set(bodies.map((b) => b.runId)).size).toBe(1);
    expect(responses.map((r) => r.status).sort((a, b) => a - b)).toEqual([...Array(19).fill(200), 201]);
    // One object, one run, one started event.
    const runId = bodies[0]!.runId;
    await settle(runStub(runId));
    const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 2);
    expect(events.filter((e) => e.type === "run.started")).toHaveLength(1);
  });

  it("refuses the same key with different args: 409", async () => {
    const key = `k-${crypto.randomUUID()}`;
    expect((await call("POST", "/api/workflows/await-approval/runs", { args: { request: "a" } }, { "idempotency-key": key })).status).toBe(201);
    const res = await call("POST", "/api/workflows/await-approval/runs", { args: { request: "b" } }, { "idempotency-key": key });
    expect(res.status).toBe(409);
    expect((await problemOf(res)).code).toBe("run.idempotency_conflict");
  });

  it("delivers a signal sent twice with one Idempotency-Key once", async () => {
    const { runId } = await client.startRun("waiter", { count: 2, timeout: 60_000 });
    const first = await call("POST", `/api/runs/${runId}/signals/go`, { payload: 1 }, { "idempotency-key": "sig-1" });
    const again = await call("POST", `/api/runs/${runId}/signals/go`, { payload: 1 }, { "idempotency-key": "sig-1" });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect((await again.json()) as object).toMatchObject({ duplicate: true });
    await settle(runStub(runId));
    expect((await client.getRun(runId)).status).toBe("waiting"); // still waiting for its second signal
  });
});

describe("GET /api/runs", () => {
  it("lists runs newest first, filters by workflow and status, and pages with a cursor", async () => {
    const started: string[] = [];
    for (let i = 0; i < 5; i++) started.push((await client.startRun("sleeper", { ms: 3_600_000 })).runId);
    for (const id of started) await settle(runStub(id));
    const done = (await client.startRun("double", { n: 1 })).runId;
    await settle(runStub(done));

    type Page = { runs: { runId: string; workflow: string; status: string }[]; nextCursor: string | null };
    const page = async (q: string) => (await (await call("GET", `/api/runs?${q}`)).json()) as Page;
    // The index is updated by a push after each change: wait for the last one to land.
    await expect.poll(async () => (await page("workflow=sleeper&status=sleeping&limit=100")).runs.length).toBeGreaterThanOrEqual(5);
    await expect.poll(async () => (await page("workflow=double&status=completed")).runs.map((r) => r.runId)).toContain(done);

    const first = await page("workflow=sleeper&limit=3");
    expect(first.runs).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const second = await page(`workflow=sleeper&limit=3&cursor=${first.nextCursor}`);
    const ids = [...first.runs, ...second.runs].map((r) => r.runId);
    expect(new Set(ids).size).toBe(ids.length);
    // Newest first: the five started last come back in reverse order of starting.
    expect(ids.slice(0, 5)).toEqual([...started].reverse());
    expect(first.runs.every((r) => r.workflow === "sleeper")).toBe(true);

    const bad = await call("GET", "/api/runs?cursor=garbage");
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).code).toBe("request.invalid_cursor");
    const badStatus = await call("GET", "/api/runs?status=asleep");
    expect((await problemOf(badStatus)).errors![0]!.path).toBe("/status");
  });

  it("the index follows a run to its end", async () => {
    const { runId } = await client.startRun("sleeper", { ms: 60_000 });
    await settle(runStub(runId));
    await fireUntil(runStub(runId), (v) => v.status === "completed");
    await expect.poll(async () => (await client.listRuns({ workflow: "sleeper", limit: 100 })).runs.find((r) => r.runId === runId)?.status).toBe("completed");
  });
});

describe("run events", () => {
  it("resumes an SSE stream from Last-Event-ID with no gap and no duplicate", async () => {
    const { runId } = await client.startRun("waiter", { count: 3, timeout: 3_600_000 });
    const stub = runStub(runId);
    await settle(stub);
    const first = await readSse(await call("GET", `/api/runs/${runId}/events`), 2);
    expect(first.map((e) => e.type)).toEqual(["run.started", "step.waiting"]);
    // Disconnected, the run goes on...
    await client.signalRun(runId, "go", 1);
    await settle(stub);
    // ...and the reconnected reader gets the backlog, then live events until the run ends.
    const reading = readSse(await call("GET", `/api/runs/${runId}/events`, undefined, { "last-event-id": String(first.at(-1)!.seq) }), 1000);
    for (const n of [2, 3]) {
      await client.signalRun(runId, "go", n);
      await settle(stub);
    }
    const rest = await reading;
    expect((await client.getRun(runId)).status).toBe("completed");
    const all = [...first, ...rest];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.at(-1)).toMatchObject({ type: "run.finished", data: { status: "completed" } });
    expect(all.filter((e) => e.type === "signal.received")).toHaveLength(3);
    expect(all.filter((e) => e.type === "step.completed")).toHaveLength(3);
  });

  it("reports each attempt of a retried step once: step.started 1, step.retrying, step.started 2, step.completed", async () => {
    const { runId } = await client.startRun("flaky", { failures: 1 });
    const stub = runStub(runId);
    await settle(stub);
    await fireUntil(stub, (v) => v.status === "completed");
    const events = await readSse(await call("GET", `/api/runs/${runId}/events`), 1000);
    const steps = events.filter((e) => e.type.startsWith("step.")).map((e) => `${e.type}:${(e.data as { attempt: number }).attempt}`);
    expect(steps).toEqual(["step.started:1", "step.retrying:1", "step.started:2", "step.completed:2"]);
  });

  it("streams live events over a WebSocket, resuming with ?after", async () => {
    const { runId } = await client.startRun("waiter", { count: 2, timeout: 3_600_000 });
    const stub = runStub(runId);
    await settle(stub);
    const res = await call("GET", `/api/runs/${runId}/ws?after=1`, undefined, { upgrade: "websocket" });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const got: Ev[] = [];
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.addEventListener("message", (m) => got.push(JSON.parse(String(m.data)) as Ev));
    ws.accept();
    await client.signalRun(runId, "go", "a");
    await settle(stub);
    await client.signalRun(runId, "go", "b");
    await settle(stub);
    expect(await closed).toBe(1000); // closed by the server after run.finished
    expect(got[0]!.seq).toBe(2);
    expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => i + 2));
    expect(got.at(-1)!.type).toBe("run.finished");
  });

  it("needs the token and an upgrade", async () => {
    const { runId } = await client.startRun("waiter", {});
    expect((await exports.default.fetch(new Request(`http://stepwise.test/api/runs/${runId}/events`))).status).toBe(401);
    expect((await call("GET", `/api/runs/${runId}/ws`)).status).toBe(400);
    expect((await call("GET", `/api/runs/run_missing/events`)).status).toBe(404);
  });
});

describe("OpenAPI and the typed client", () => {
  it("serves an OpenAPI 3.1 document built from the route schemas, and a reference page", async () => {
    const doc = (await (await exports.default.fetch(new Request("http://stepwise.test/api/openapi.json"))).json()) as {
      openapi: string;
      paths: Record<string, Record<string, any>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/workflows/{name}/runs",
        "/api/runs",
        "/api/runs/{runId}",
        "/api/runs/{runId}/signals/{signal}",
        "/api/runs/{runId}/cancel",
        "/api/runs/{runId}/events",
        "/api/inbox",
        "/api/live/runs",
      ]),
    );
    const start = doc.paths["/api/workflows/{name}/runs"]!.post;
    expect(Object.keys(start.responses)).toEqual(expect.arrayContaining(["200", "201", "400", "401", "404", "409", "413"]));
    expect(start.responses["400"].content["application/problem+json"].schema.properties.code.type).toBe("string");
    const list = doc.paths["/api/runs"]!.get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(["workflow", "status", "q", "counts", "limit", "cursor"]);
    expect(Object.keys(list.responses["200"].content["application/json"].schema.properties.runs.items.properties)).toEqual(
      expect.arrayContaining(["waitingFor", "completedAt"]),
    );
    expect(doc.paths["/api/inbox"]!.get.parameters.map((p: { name: string }) => p.name)).toEqual(["limit", "cursor"]);
    // A run's and a thread's token usage: one schema, the totals and the same by model.
    const usageOf = (path: string) => doc.paths[path]!.get.responses["200"].content["application/json"].schema.properties.usage;
    for (const usage of [usageOf("/api/runs/{runId}"), usageOf("/api/threads/{id}")]) {
      expect(usage.required).toEqual(["inputTokens", "outputTokens", "totalTokens", "byModel"]);
      expect(Object.keys(usage.properties.byModel.items.properties)).toEqual(["model", "provider", "inputTokens", "outputTokens", "totalTokens"]);
    }
    expect(Object.keys(doc.paths["/api/live/runs"]!.get.responses)).toEqual(expect.arrayContaining(["101", "401", "426"]));
    // The thread sockets take a ticket, not the bearer token.
    const chat = doc.paths["/api/threads/{id}/ws"]!.get;
    expect(chat.security).toEqual([]);
    expect(chat.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(["path:id", "query:ticket"]);
    expect(Object.keys(chat.responses)).toEqual(expect.arrayContaining(["101", "401", "403", "404", "426"]));
    expect(doc.paths["/api/threads/{id}/ws-ticket"]!.post.security).toBeUndefined();
    const page = await exports.default.fetch(new Request("http://stepwise.test/api/docs"));
    expect(page.headers.get("content-type")).toContain("text/html");
    const text = await page.text();
    expect(text).toContain("/api/runs/{runId}/signals/{signal}");
    expect(text).not.toContain("<script");
  });

  it("drives the API with hc<AppType>", async () => {
    const api = hc<AppType>("http://stepwise.test", {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
      headers: { authorization: "Bearer test-token" },
    });
    const started = await api.api.workflows[":name"].runs.$post({ param: { name: "await-approval" }, json: { args: { request: "typed" } } });
    expect(started.status).toBe(201);
    const { runId } = await started.json();
    await settle(runStub(runId));
    await api.api.runs[":runId"].signals[":signal"].$post({ param: { runId, signal: "approval" }, json: { payload: { approved: true } } });
    await settle(runStub(runId));
    const run = await (await api.api.runs[":runId"].$get({ param: { runId }, query: { steps: "none" } })).json();
    expect(run).toMatchObject({ status: "completed", result: { outcome: "approved" } });
    expectTypeOf(run.usage.byModel).toEqualTypeOf<{ model: string; provider: string; inputTokens: number; outputTokens: number; totalTokens: number }[]>();
    expect(run.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, byModel: [] });
  });
});
