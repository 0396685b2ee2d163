// The seed's spelling in workerd: `ctx.db` is the app's D1, `returns` is checked, and workflow.start
// from an action is keyed by the action's idempotency key (a retried action starts the same run).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { action, components, mutation, v, WorkflowManager } from "../../src/convex/index.ts";
import { anyApi, withCalls } from "../../src/engine/index.ts";
import { stepwise } from "../worker.ts";
import { runStub, settle } from "../helpers/runtime.ts";

const ctxFor = (key: string, over: Partial<Env> = {}) =>
  withCalls({ env: { ...env, ...over }, runId: "r", seq: 0, attempt: 1, signal: new AbortController().signal, idempotencyKey: key }, stepwise.registry);

describe("action and mutation", () => {
  it("give the handler ctx.db, the app's D1 database, and a clear error without one", async () => {
    const count = mutation({ args: {}, handler: async (ctx) => (await ctx.db.prepare("SELECT 41 + 1 AS n").first<{ n: number }>())!.n });
    expect(await count.handler(ctxFor("k"), {})).toBe(42);
    // SAFETY: a config without [[d1_databases]] gives exactly this env.
    await expect(count.handler(ctxFor("k", { DB: undefined } as unknown as Partial<Env>), {})).rejects.toMatchObject({ code: "app.db_missing" });
  });

  it("check the handler's result against `returns`", async () => {
    const answer = action({ args: { n: v.number() }, returns: z.number().int(), handler: (_ctx, { n }) => n / 2 });
    expect(await answer.handler(ctxFor("k"), { n: 4 })).toBe(2);
    await expect(answer.handler(ctxFor("k"), { n: 3 })).rejects.toMatchObject({ code: "function.invalid_result", retryable: false });
    expect(answer.visibility).toBe("public");
  });
});

describe("WorkflowManager.start", () => {
  const workflow = new WorkflowManager(components.workflow);
  const greeting = anyApi.sleepyGreeting.sleepyGreeting;

  it("from an action: a retried attempt (a fresh ctx, the same key) starts the same run; a second start in one attempt, another", async () => {
    const key = `act-${crypto.randomUUID()}`;
    const first = await workflow.start({ env, idempotencyKey: key }, greeting, { name: "Ada", sleepMs: 60_000 });
    const retried = await workflow.start({ env, idempotencyKey: key }, greeting, { name: "Ada", sleepMs: 60_000 });
    expect(retried).toBe(first);
    const attempt = { env, idempotencyKey: `${key}-b` };
    const [a, b] = [
      await workflow.start(attempt, greeting, { name: "A", sleepMs: 60_000 }),
      await workflow.start(attempt, greeting, { name: "B", sleepMs: 60_000 }),
    ];
    expect(a).not.toBe(b);
    expect(await settle(runStub(first))).toBe("sleeping");
    expect(await workflow.status({ env }, first)).toEqual({ type: "inProgress", running: [{ name: "nap", kind: "sleep", status: "sleeping" }] });
  });

  it("refuses an onComplete the deployment did not register, and bad args, before any run exists", async () => {
    await expect(workflow.start({ env }, greeting, { name: "Ada", sleepMs: 1 }, { onComplete: anyApi.nowhere.done })).rejects.toMatchObject({
      code: "action.not_registered",
    });
    await expect(workflow.start({ env }, greeting, { name: "", sleepMs: 1 })).rejects.toMatchObject({ code: "run.invalid_args" });
  });
});
