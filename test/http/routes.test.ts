// The HTTP API from real requests against the Worker: status codes, problem+json bodies with stable
// codes and failing paths, bearer auth, body limits.
import { exports } from "cloudflare:workers";
import { call, problemOf } from "../helpers/http.ts";
import { describe, expect, it } from "vitest";
import { runStub, settle } from "../helpers/runtime.ts";

describe("runs over HTTP", () => {
  it("starts a run, reads it, signals it", async () => {
    const start = await call("POST", "/api/workflows/await-approval/runs", { args: { request: "ship it", timeoutMs: 60_000 } });
    expect(start.status).toBe(201);
    const { runId, status } = (await start.json()) as { runId: string; status: string };
    expect(runId).toMatch(/^run_[0-9a-f]{32}$/);
    expect(status).toBe("running");
    await settle(runStub(runId));

    const read = await call("GET", `/api/runs/${runId}`);
    expect(read.status).toBe(200);
    const run = (await read.json()) as Record<string, unknown>;
    expect(run).toMatchObject({ runId, workflow: "await-approval", status: "waiting", args: { request: "ship it", timeoutMs: 60_000 } });
    expect(run.waitingFor).toEqual([expect.objectContaining({ kind: "signal", signal: "approval" })]);
    expect(run.steps).toEqual([
      expect.objectContaining({ seq: 0, name: "approval", kind: "signal", status: "waiting", attempts: 1, startedAt: expect.any(Number) }),
    ]);

    const signal = await call("POST", `/api/runs/${runId}/signals/approval`, { payload: { approved: true, by: "ada" } });
    expect(signal.status).toBe(202);
    await settle(runStub(runId));
    const done = (await (await call("GET", `/api/runs/${runId}?steps=none`)).json()) as Record<string, unknown>;
    expect(done).toMatchObject({ status: "completed", result: { request: "ship it", outcome: "approved", by: "ada" } });
    expect(done.steps).toBeUndefined();

    const late = await call("POST", `/api/runs/${runId}/signals/approval`, { payload: { approved: false } });
    expect(late.status).toBe(409);
    expect((await problemOf(late)).code).toBe("signal.run_finished");
    const cancel = await call("POST", `/api/runs/${runId}/cancel`);
    expect(cancel.status).toBe(409);
    expect((await problemOf(cancel)).code).toBe("run.already_finished");
  });

  it("cancels a run", async () => {
    const { runId } = (await (await call("POST", "/api/workflows/sleepy-greeting/runs", { args: { name: "Ada", sleepMs: 3_600_000 } })).json()) as {
      runId: string;
    };
    const res = await call("POST", `/api/runs/${runId}/cancel`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "canceled" });
  });

  it("lists workflows with the JSON Schema of their args", async () => {
    const res = await call("GET", "/api/workflows");
    const body = (await res.json()) as { workflows: { name: string; args: { properties: Record<string, unknown> } }[] };
    const greeting = body.workflows.find((w) => w.name === "sleepy-greeting")!;
    expect(Object.keys(greeting.args.properties)).toEqual(["name", "sleepMs"]);
  });
});

describe("errors", () => {
  it.each([
    ["no token", () => exports.default.fetch(new Request("http://stepwise.test/api/workflows")), 401, "auth.missing_token"],
    ["wrong token", () => call("GET", "/api/workflows", undefined, { authorization: "Bearer nope" }), 401, "auth.invalid_token"],
    ["unknown workflow", () => call("POST", "/api/workflows/nope/runs", { args: {} }), 404, "workflow.not_found"],
    ["unknown run", () => call("GET", "/api/runs/run_0123"), 404, "run.not_found"],
    ["unknown run (signal)", () => call("POST", "/api/runs/run_0123/signals/go", {}), 404, "run.not_found"],
    ["malformed JSON", () => call("POST", "/api/workflows/sleepy-greeting/runs", "{not json"), 400, "request.malformed_json"],
    ["oversized body", () => call("POST", "/api/workflows/sleepy-greeting/runs", { args: { name: "x".repeat(1024 * 1024) } }), 413, "request.too_large"],
    ["bad signal name", () => call("POST", "/api/runs/run_0123/signals/bad%20name", {}), 400, "request.invalid"],
    ["unknown route", () => call("GET", "/api/nothing-here"), 404, "route.not_found"],
  ])("%s", async (_, request, status, code) => {
    const res = await request();
    expect(res.status).toBe(status);
    const p = await problemOf(res);
    expect(p).toMatchObject({ status, code });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("names every failing path of invalid args, and creates nothing", async () => {
    const res = await call("POST", "/api/workflows/sleepy-greeting/runs", { args: { name: "", sleepMs: -5 } });
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("run.invalid_args");
    expect(p.errors!.map((e) => e.path).sort()).toEqual(["/args/name", "/args/sleepMs"]);
  });

  it("never echoes the token", async () => {
    const res = await call("GET", "/api/workflows", undefined, { authorization: "Bearer super-secret-guess" });
    expect(await res.text()).not.toContain("super-secret-guess");
  });
});
