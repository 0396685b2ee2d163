// The structured logger: one JSON object per line, fields that apply only, errors without stacks,
// and no bearer token or approval link token in a line whatever a call site passes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { log, loggedError, logLine, StepwiseError } from "../../src/kernel/index.ts";

afterEach(() => vi.restoreAllMocks());

describe("logLine", () => {
  it("is one JSON object with level and msg first and the fields after", () => {
    const line = logLine("error", "updating the run index failed", { runId: "run_1", workflow: "greet", seq: 3, step: "charge", attempt: 2 });
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      level: "error",
      msg: "updating the run index failed",
      runId: "run_1",
      workflow: "greet",
      seq: 3,
      step: "charge",
      attempt: 2,
    });
    expect(Object.keys(JSON.parse(line)).slice(0, 2)).toEqual(["level", "msg"]);
  });

  it("leaves out undefined fields", () => {
    const parsed = JSON.parse(logLine("info", "run finished", { runId: "run_1", seq: undefined, step: undefined, durationMs: 12 }));
    expect(parsed).toEqual({ level: "info", msg: "run finished", runId: "run_1", durationMs: 12 });
    expect("seq" in parsed).toBe(false);
  });

  it("never lets a field replace level or msg", () => {
    expect(JSON.parse(logLine("warn", "m", { level: "info", msg: "other" }))).toEqual({ level: "warn", msg: "m" });
  });

  it("keeps the line when a field does not serialize", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(logLine("error", "m", { runId: "r", extra: cyclic }))).toEqual({ level: "error", msg: "m", logError: "fields not serializable" });
  });

  it.each([
    ["a bearer token", "fetch failed: Authorization: Bearer s3cr3t-token", "s3cr3t-token"],
    ["an approval link", "GET https://x.example/approvals/v2.k1.abc.def failed", "v2.k1.abc.def"],
    ["a ws ticket", "GET /api/threads/t/ws?ticket=tk_123&x=1", "tk_123"],
  ])("redacts %s in messages and string fields", (_, text, secret) => {
    const line = logLine("error", text, { error: loggedError(new Error(text)), note: text });
    expect(line).not.toContain(secret);
    expect(line).toContain("[redacted]");
  });

  it("keeps a route pattern's :token, which holds no token", () => {
    expect(JSON.parse(logLine("error", "m", { route: "/approvals/:token" })).route).toBe("/approvals/:token");
  });

  it("cuts long messages", () => {
    expect(JSON.parse(logLine("info", "x".repeat(2000))).msg.length).toBeLessThanOrEqual(501);
  });
});

describe("loggedError", () => {
  it("keeps name, message and a StepwiseError's code, never the stack", () => {
    const e = loggedError(new StepwiseError("run.not_found", "no such run"));
    expect(e).toEqual({ name: "StepwiseError", message: "no such run", code: "run.not_found" });
    expect(JSON.stringify(e)).not.toContain("at ");
    expect(loggedError(new TypeError("bad"))).toEqual({ name: "TypeError", message: "bad" });
  });

  it("leaves the message out of errors from user code when asked", () => {
    expect(loggedError(new StepwiseError("billing.declined", "card 4242 declined"), { withMessage: false })).toEqual({
      name: "StepwiseError",
      code: "billing.declined",
    });
  });

  it("reads errors that travelled as data, and thrown non-errors", () => {
    expect(loggedError({ code: "run.not_found", message: "no such run" })).toEqual({ name: "SerializedError", code: "run.not_found", message: "no such run" });
    expect(loggedError("boom")).toEqual({ name: "string", message: "boom" });
    expect(loggedError(42, { withMessage: false })).toEqual({ name: "number" });
  });
});

describe("log", () => {
  it.each([
    ["error", "error"],
    ["warn", "warn"],
    ["info", "log"],
  ] as const)("log.%s writes one JSON line through console.%s", (level, method) => {
    const spy = vi.spyOn(console, method).mockImplementation(() => {});
    log[level]("hello", { runId: "run_1" });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]).toHaveLength(1);
    expect(JSON.parse(String(spy.mock.calls[0]![0]))).toEqual({ level, msg: "hello", runId: "run_1" });
  });
});
