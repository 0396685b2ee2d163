// The seed's examples, ported verbatim but for their import lines (examples/seed), run as their own
// Worker: each workflow and snippet runs, started the seed's way, and writes its app data to D1 once.
import { runDurableObjectAlarm, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ActionRetrier, components, createThread, Workpool, WorkflowManager } from "../../src/convex/index.ts";
import { listMessages } from "../../src/agents/index.ts";
import { withCalls, type RunView } from "../../src/engine/index.ts";
import { unwrap } from "../../src/kernel/index.ts";
import { internal } from "../../examples/seed/_generated/api.ts";
import { stepwise, type ActionRun, type WorkflowRun } from "./seed-worker.ts";

const workflow = new WorkflowManager(components.workflow);
const AUTH = { authorization: "Bearer test-token", "content-type": "application/json" };

// SAFETY: the seed project binds these to seed-worker.ts's classes (the app's, plus `settled`).
const runObjects = env.WORKFLOW_RUNS as unknown as DurableObjectNamespace<WorkflowRun>;
const actionRuns = env.ACTION_RUNS as unknown as DurableObjectNamespace<ActionRun>;
const db = (env as unknown as { DB: D1Database }).DB;

async function settled(runId: string): Promise<RunView> {
  const stub = runObjects.getByName(runId);
  unwrap(await stub.settled());
  return unwrap(await stub.describe({ steps: "all" }));
}

async function rows<T>(sql: string, ...bind: unknown[]): Promise<T[]> {
  return (
    await db
      .prepare(sql)
      .bind(...bind)
      .all<T>()
  ).results;
}

/** Fires the run's alarms (each as if its time had come) until it is no longer `status`. */
async function fireWhile(runId: string, status: string): Promise<RunView> {
  for (let i = 0; i < 10; i++) {
    const v = await settled(runId);
    if (v.status !== status) return v;
    expect(await runDurableObjectAlarm(runObjects.getByName(runId))).toBe(true);
  }
  throw new Error(`run ${runId} is still ${status} after 10 alarms`);
}

function stepNames(v: RunView): string[] {
  return v.steps!.map((s) => s.name);
}

describe("the seed's workflows", () => {
  it("supportWorkflow: started from Worker code, answers, notifies once in D1, and its onComplete gets the result and context", async () => {
    const userId = `ada-${crypto.randomUUID()}`;
    const id = await workflow.start(
      { env },
      internal.workflows.supportWorkflow,
      { prompt: "My export fails.", userId },
      {
        onComplete: internal.completions.record,
        context: { userId },
      },
    );
    const v = await settled(id);
    expect(v.status).toBe("completed");
    expect(stepNames(v)).toEqual(["createThread", "saveMessage", "agents.generateSupport", "notifications.send"]);
    const status = await workflow.status({ env }, id);
    expect(status.type).toBe("completed");
    const text = (status as { result: string }).result;
    expect(text).toContain("[offline model]");
    expect(await rows("SELECT user_id, message FROM notifications WHERE user_id = ?", userId)).toEqual([{ user_id: userId, message: text }]);
    const done = await rows<{ kind: string; detail: string; context: string }>("SELECT kind, detail, context FROM completions WHERE workflow_id = ?", id);
    expect(done).toEqual([{ kind: "success", detail: JSON.stringify(text), context: JSON.stringify({ userId }) }]);
  });

  it("notifications.send writes once per key: the same step's key again (a retry, a replay) adds no row and returns the same id", async () => {
    const userId = `grace-${crypto.randomUUID()}`;
    const id = await workflow.start({ env }, internal.workflows.supportWorkflow, { prompt: "Where is my invoice?", userId });
    const v = await settled(id);
    const notify = v.steps!.find((s) => s.name === "notifications.send")!;
    expect(await rows("SELECT idempotency_key FROM notifications WHERE user_id = ?", userId)).toEqual([{ idempotency_key: `${id}:${notify.seq}` }]);
    // The step's mutation again, under the key a retried attempt or a replay would give it.
    const send = stepwise.registry.callable("notifications.send")!;
    const again = await send.handler(
      withCalls(
        { env, runId: id, seq: notify.seq, attempt: 2, signal: new AbortController().signal, idempotencyKey: `${id}:${notify.seq}` },
        stepwise.registry,
      ),
      { userId, message: "a second delivery" },
    );
    expect(again).toEqual(notify.result);
    expect(await rows("SELECT message FROM notifications WHERE user_id = ?", userId)).toHaveLength(1);
  });

  it("parallelWorkflow: one analyze step per prompt at once, then a summary of their answers", async () => {
    const id = await workflow.start({ env }, internal.workflows.parallelWorkflow, { prompts: ["pricing", "churn", "growth"] });
    const v = await settled(id);
    expect(v.status).toBe("completed");
    expect(stepNames(v)).toEqual(["agents.analyze", "agents.analyze", "agents.analyze", "agents.summarize"]);
    expect(v.result).toContain("[offline model]");
  });

  it("routingWorkflow: triage picks the department, whose agent answers", async () => {
    const id = await workflow.start({ env }, internal.workflows.routingWorkflow, { prompt: "I was charged twice." });
    const v = await settled(id);
    expect(v.status).toBe("completed");
    const department = (v.steps![0]!.result as { department: string }).department;
    expect(["billing", "support"]).toContain(department);
    expect(stepNames(v)).toEqual(["agents.triage", `agents.${department}`]);
  });

  it("a run that fails reaches onComplete as { kind: 'failed', error }", async () => {
    // routingWorkflow declares no args: without a prompt, the triage step refuses its args.
    const id = await workflow.start({ env }, internal.workflows.routingWorkflow, {}, { onComplete: internal.completions.record, context: "no prompt" });
    expect((await settled(id)).status).toBe("failed");
    expect(await workflow.status({ env }, id)).toMatchObject({ type: "failed", error: expect.stringContaining('invalid args for "agents.triage"') });
    const [done] = await rows<{ kind: string; detail: string; context: string }>("SELECT kind, detail, context FROM completions WHERE workflow_id = ?", id);
    expect(done).toMatchObject({ kind: "failed", context: JSON.stringify("no prompt") });
    expect(JSON.parse(done!.detail)).toContain("invalid args");
  });

  it("cancel ends a waiting run; onComplete gets { kind: 'canceled' }", async () => {
    const id = await workflow.start({ env }, internal.workflows.approvalWorkflow, { draft: "Launch day" }, { onComplete: internal.completions.record });
    expect((await settled(id)).status).toBe("waiting");
    expect(await workflow.status({ env }, id)).toEqual({ type: "inProgress", running: [{ name: "approval", kind: "signal", status: "waiting" }] });
    await workflow.cancel({ env }, id);
    expect(await workflow.status({ env }, id)).toEqual({ type: "canceled" });
    await settled(id);
    expect(await rows("SELECT kind FROM completions WHERE workflow_id = ?", id)).toEqual([{ kind: "canceled" }]);
  });
});

describe("the seed's human in the loop, verbatim", () => {
  async function decide(payload: unknown): Promise<string> {
    const id = await workflow.start({ env }, internal.workflows.approvalWorkflow, { draft: `Post ${crypto.randomUUID()}` });
    expect((await settled(id)).status).toBe("waiting");
    const res = await SELF.fetch(`http://seed.test/api/runs/${id}/signals/approval`, { method: "POST", headers: AUTH, body: JSON.stringify({ payload }) });
    expect(res.status).toBe(202);
    expect((await settled(id)).status).toBe("completed");
    return id;
  }

  it("publishes once on true, and not on false", async () => {
    const approved = await decide(true);
    expect(await rows("SELECT idempotency_key FROM posts WHERE idempotency_key LIKE ?", `${approved}:%`)).toHaveLength(1);
    const rejected = await decide(false);
    expect(await rows("SELECT idempotency_key FROM posts WHERE idempotency_key LIKE ?", `${rejected}:%`)).toEqual([]);
  });

  it("publishes nothing when the 24 hours pass without a decision", async () => {
    const id = await workflow.start({ env }, internal.workflows.approvalWorkflow, { draft: "Quiet launch" });
    expect((await settled(id)).status).toBe("waiting");
    const v = await fireWhile(id, "waiting");
    expect(v.status).toBe("completed");
    expect(v.steps!.find((s) => s.name === "approval")?.result).toBeNull();
    expect(await rows("SELECT idempotency_key FROM posts WHERE idempotency_key LIKE ?", `${id}:%`)).toEqual([]);
  });
});

describe("the seed's snippets", () => {
  it("createThread and saveMessage as mutation steps, then the agent action on the saved prompt", async () => {
    const first = await workflow.start({ env }, internal.snippets.agentFunctionsInWorkflows, { userId: "lin", prompt: "Hello?" });
    const made = await settled(first);
    expect(stepNames(made)).toEqual(["createThread", "saveMessage"]);
    const { threadId, messageId } = made.result as { threadId: string; messageId: string };
    const second = await workflow.start({ env }, internal.snippets.agentActionInWorkflow, { threadId, messageId });
    expect((await settled(second)).result).toContain("[offline model]");
    const { messages } = await listMessages(env, threadId);
    expect(messages.filter((m) => m.role === "user")).toHaveLength(1);
  });

  it("runAction, runMutation (D1, once) and a durable sleep that wakes on its alarm", async () => {
    const { threadId } = await createThread({ env }, components.agent, { userId: "kim" });
    const id = await workflow.start({ env }, internal.snippets.stepsWorkflow, { threadId, prompt: "Save me" });
    expect((await settled(id)).status).toBe("sleeping");
    const v = await fireWhile(id, "sleeping");
    expect(v.status).toBe("completed");
    expect(stepNames(v)).toEqual(["agents.generate", "db.save", "sleep"]);
    expect(await rows("SELECT prompt FROM saved_prompts WHERE thread_id = ?", threadId)).toEqual([{ prompt: "Save me" }]);
  });

  it("ActionRetrier and Workpool, built at module level, find their bindings and run the action", async () => {
    const { threadId } = await createThread({ env }, components.agent, { userId: "noor" });
    const call = async (name: string) => {
      const key = crypto.randomUUID();
      const res = await SELF.fetch(`http://seed.test/api/functions/${name}`, {
        method: "POST",
        headers: { ...AUTH, "idempotency-key": key },
        body: JSON.stringify({ args: { threadId, prompt: `via ${name}` } }),
      });
      expect(res.status).toBe(200);
      return `call:${name}:${key}`;
    };
    const retryId = `${await call("snippets.retried")}:retry0`;
    unwrap(await actionRuns.getByName(retryId).settled());
    expect((await new ActionRetrier(components.actionRetrier).status(retryId)).status).toBe("completed");

    const jobId = `${await call("snippets.pooled")}:job0`;
    const pool = new Workpool(components.workpool, { maxParallelism: 5 });
    await expect.poll(async () => (await pool.status(jobId)).status, { timeout: 10_000, interval: 20 }).toBe("completed");
    const { messages } = await listMessages(env, threadId);
    expect(messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual(["via snippets.retried", "via snippets.pooled"]);
  });

  it("getAdvice, a public action, answers from outside: weather, then fashion advice in the same thread", async () => {
    const { threadId } = await createThread({ env }, components.agent, { userId: "ola" });
    const res = await SELF.fetch("http://seed.test/api/functions/agents.getAdvice", {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ args: { location: "Lisbon", threadId } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ value: null });
    const { messages } = await listMessages(env, threadId);
    expect(messages.map((m) => [m.role, m.agentName ?? null])).toEqual([
      ["user", null],
      ["assistant", "weather"],
      ["user", null],
      ["assistant", "fashion"],
    ]);
  });

  it("internal functions are not reachable from outside", async () => {
    const res = await SELF.fetch("http://seed.test/api/functions/notifications.send", {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ args: { userId: "x", message: "y" } }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "function.not_found" });
  });
});
