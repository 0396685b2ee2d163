// app.onError: problem+json with the code's status and JSON Pointer field paths; an unexpected error
// is logged by route pattern, never by path, so an approval link's token never reaches a log line.
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StepwiseError } from "../../src/kernel/errors.ts";
import { onError } from "../../src/http/problem.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

function app() {
  return new Hono()
    .get("/approvals/:token", () => {
      throw new Error("the run object went away");
    })
    .post("/runs", () => {
      throw new StepwiseError("run.invalid_args", "invalid args", { details: { issues: [{ path: ["args", "a/b", "c~d", 0], message: "bad" }] } });
    })
    .onError(onError);
}

describe("onError", () => {
  it("logs an unexpected error with the route pattern, not the path that holds the token", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await app().request("/approvals/eyJ2IjoxfQ.c2VjcmV0LW1hYw");
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "internal", detail: "internal error" });
    const lines = logged.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: "error", msg: "unhandled error", method: "GET", route: "/approvals/:token", error: { name: "Error" } },
    ]);
    expect(lines.join("\n")).not.toContain("c2VjcmV0LW1hYw");
  });

  it("answers a StepwiseError as problem+json with escaped JSON Pointer paths", async () => {
    const res = await app().request("/runs", { method: "POST" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "run.invalid_args", errors: [{ path: "/args/a~1b/c~0d/0", message: "bad" }] });
  });
});
