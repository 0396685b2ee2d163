// Public actions and mutations from outside (POST /api/functions/{name}), and calls between functions
// (ctx.runMutation, ctx.runAction) keyed by the caller's key and call order.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ActionRetrier } from "../../../src/components/index.ts";
import { defineAction } from "../../../src/engine/index.ts";
import { z } from "zod";
import { call, problemOf } from "../../helpers/http.ts";
import { client, fireUntil, logged, runStub, settle } from "../../helpers/runtime.ts";

describe("POST /api/functions/{name}", () => {
  it("lists the public functions with the JSON Schema of their args, and only those", async () => {
    const res = await call("GET", "/api/functions");
    expect(res.status).toBe(200);
    const { functions } = (await res.json()) as { functions: { name: string; kind: string; args: { properties?: object } }[] };
    expect(functions.map((f) => [f.name, f.kind])).toEqual([
      ["functions.record", "mutation"],
      ["functions.fails", "action"],
    ]);
    expect(Object.keys(functions[0]!.args.properties!)).toEqual(["tag"]);
  });

  it("runs a public mutation; the same Idempotency-Key gives it the same key, so a retried call can write once", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const once = await call("POST", "/api/functions/functions.record", { args: { tag: "a" } }, { "idempotency-key": key });
    expect(once.status).toBe(200);
    expect(await once.json()).toEqual({ value: { tag: "a", writes: 1, key: `call:functions.record:${key}` } });
    const again = await call("POST", "/api/functions/functions.record", { args: { tag: "a" } }, { "idempotency-key": key });
    expect(((await again.json()) as { value: { key: string } }).value.key).toBe(`call:functions.record:${key}`);
    // Without a key, each call gets a fresh one.
    const [x, y] = await Promise.all([1, 2].map(() => call("POST", "/api/functions/functions.record", { args: { tag: "b" } }).then((r) => r.json())));
    expect((x as { value: { key: string } }).value.key).not.toBe((y as { value: { key: string } }).value.key);
  });

  it("refuses bad args with their paths under /args, unknown and internal functions with 404", async () => {
    const bad = await call("POST", "/api/functions/functions.record", { args: { tag: 7 } });
    expect(bad.status).toBe(400);
    expect(await problemOf(bad)).toMatchObject({ code: "function.invalid_args", errors: [{ path: "/args/tag" }] });
    for (const name of ["functions.hidden", "functions.nope", "sleepy-greeting"]) {
      const res = await call("POST", `/api/functions/${name}`, { args: {} });
      expect(res.status).toBe(404);
      expect((await problemOf(res)).code).toBe("function.not_found");
    }
  });

  it("answers a function's own error with its code and message, and hides anything else", async () => {
    const own = await call("POST", "/api/functions/functions.fails", { args: { how: "stepwise" } });
    expect(own.status).toBe(500);
    expect(await problemOf(own)).toMatchObject({ code: "function.failed", detail: '"functions.fails" failed: billing.declined: the card was declined' });
    const plain = await call("POST", "/api/functions/functions.fails", { args: { how: "plain" } });
    expect(plain.status).toBe(500);
    const text = await plain.text();
    expect(text).toContain("function.failed");
    expect(text).not.toContain("secret");
  });

  it("needs the bearer token", async () => {
    const res = await call("POST", "/api/functions/functions.record", { args: { tag: "a" } }, { authorization: "Bearer wrong" });
    expect(res.status).toBe(401);
  });
});

describe("calls between functions", () => {
  it("ctx.runMutation and ctx.runAction (by definition or reference) derive their keys from the step's, in call order, the same on a retry", async () => {
    const log = `nested-${crypto.randomUUID()}`;
    const { runId } = await client.startRun("functions.nestedFlow", { log });
    const v = await fireUntil(runStub(runId), (r) => r.status === "completed");
    const step = `${runId}:0`;
    // Attempt 1 made its calls, then failed; attempt 2 made the same calls with the same keys.
    expect(await logged(log)).toEqual([`${step}:runMutation:0`, `${step}:runMutation:1`, `${step}:runMutation:0`, `${step}:runMutation:1`]);
    expect(v.steps![0]).toMatchObject({ name: "functions.nested", attempts: 2, result: `${step}:runAction:0` });
  });

  it("a child workflow runs by reference", async () => {
    const { runId } = await client.startRun("functions.parent", { n: 20 });
    await settle(runStub(runId));
    expect(await client.getRun(runId)).toMatchObject({ status: "completed", result: 41 });
  });
});

describe("registration", () => {
  it("ActionRetrier.run refuses an action the deployment did not register, instead of returning the id of a failed run", async () => {
    const stray = defineAction({ name: "stray.action", args: z.object({}), handler: () => 1 });
    await expect(new ActionRetrier(env.ACTION_RUNS).run({ env }, stray, {})).rejects.toMatchObject({
      code: "action.not_registered",
      message: expect.stringContaining('"stray.action"'),
    });
  });
});
