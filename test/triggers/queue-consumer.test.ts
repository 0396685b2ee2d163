// Queue messages start runs: real messages through miniflare's queue reach the consumer and start runs;
// a redelivered message starts nothing new; a bad message is dead-lettered with the reason while the good
// ones of its batch start; a start that cannot reach the run object is retried, not acknowledged.
import { createExecutionContext, createMessageBatch, getQueueResult, type MessageBatchMessage } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { DEAD_LETTER_FORMAT, type DeadLetter } from "../../src/triggers/index.ts";
import { JOBS_QUEUE } from "../fixtures/queue-triggers.ts";
import { DELIVERY, deadLettersWith, jobsNamed } from "../helpers/queues.ts";
import { client } from "../helpers/runtime.ts";
import { stepwise, type WorkflowRun } from "../worker.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

function message(id: string, body: unknown, attempts = 1): MessageBatchMessage {
  return { id, timestamp: new Date("2026-11-17T09:00:00Z"), attempts, body };
}

/**
 * Calls the Worker's queue handler with a batch, as the runtime would: what it acked and retried, and the
 * `delaySeconds` of each retry. The plugin's batch (@cloudflare/vitest-plugin 1.5.0) records a retry but
 * drops its options, so the delays are read from the calls themselves.
 */
async function deliver(messages: MessageBatchMessage[], workerEnv: Cloudflare.Env = env, queue = JOBS_QUEUE) {
  const batch = createMessageBatch(queue, messages);
  const retries = batch.messages.map((m) => vi.spyOn(m, "retry"));
  const ctx = createExecutionContext();
  await stepwise.queue(batch, workerEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  const delays = Object.fromEntries(batch.messages.flatMap((m, i) => retries[i]!.mock.calls.map(([options]) => [m.id, options?.delaySeconds] as const)));
  return { ...result, delays };
}

/** The JSON lines written through `spy` whose msg is `msg`. */
function logLines(spy: MockInstance, msg: string): Record<string, unknown>[] {
  return spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>).filter((l) => l.msg === msg);
}

describe("queue messages start runs", () => {
  it("a message sent to the queue reaches the consumer and starts a run with the body as its args", async () => {
    await env.TEST_JOBS.send({ name: "sent-ada", count: 2 });
    const [job] = await vi.waitFor(async () => {
      const jobs = await jobsNamed("sent-ada");
      expect(jobs).toHaveLength(1);
      return jobs;
    }, DELIVERY);
    const run = await client.getRun(job!.runId, { steps: "none" });
    expect(run).toMatchObject({ workflow: "queue-job", args: { name: "sent-ada", count: 2 } });
    await expect.poll(async () => (await client.getRun(job!.runId, { steps: "none" })).status, DELIVERY).toBe("completed");
  });

  it("a batch sent with one bad message: the bad one lands in the dead-letter queue with the failing paths, the good ones start", async () => {
    await env.TEST_JOBS.sendBatch([
      { body: { name: "batch-good-1" } },
      { body: { name: "", count: 0, marker: "batch-bad" } },
      { body: { name: "batch-good-2", count: 3 } },
    ]);
    const [letter] = await vi.waitFor(async () => {
      const letters = await deadLettersWith("batch-bad");
      expect(letters).toHaveLength(1);
      return letters;
    }, DELIVERY);
    expect(letter).toMatchObject({
      format: DEAD_LETTER_FORMAT,
      queue: JOBS_QUEUE,
      workflow: "queue-job",
      attempts: 1,
      body: { name: "", count: 0, marker: "batch-bad" },
      error: { code: "run.invalid_args" },
    });
    expect(letter!.messageId).not.toBe("");
    expect(letter!.error.errors?.map((e) => e.path)).toEqual(["/name", "/count"]);
    await vi.waitFor(async () => {
      expect(await jobsNamed("batch-good-1")).toHaveLength(1);
      expect(await jobsNamed("batch-good-2")).toEqual([expect.objectContaining({ count: 3 })]);
    }, DELIVERY);
  });

  it("a redelivered message (the same id) starts one run: both deliveries are acknowledged and name the same run", async () => {
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    const first = await deliver([message("redelivered-1", { name: "again" })]);
    const second = await deliver([message("redelivered-1", { name: "again" }, 2)]);
    for (const result of [first, second]) expect(result).toMatchObject({ explicitAcks: ["redelivered-1"], retryMessages: [], retryBatch: { retry: false } });

    const started = logLines(info, "a queue message started a run");
    const again = logLines(info, "a queue message came again; the run it started is kept");
    expect(started).toEqual([expect.objectContaining({ queue: JOBS_QUEUE, messageId: "redelivered-1", attempt: 1, workflow: "queue-job" })]);
    expect(again).toEqual([expect.objectContaining({ messageId: "redelivered-1", attempt: 2, runId: started[0]!.runId })]);
    const runId = String(started[0]!.runId);
    await expect.poll(async () => (await client.getRun(runId, { steps: "none" })).status, DELIVERY).toBe("completed");
    expect(await jobsNamed("again")).toEqual([{ runId, name: "again", count: 1 }]);
  });

  it("starts the messages of a batch concurrently: each start is under way before any finishes", async () => {
    // Each start waits until both have begun; handled one after the other, the first would wait out the gate.
    let begun = 0;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated = {
      getByName: (runId: string) => ({
        start: async (req: unknown) => {
          if (++begun === 2) open();
          await Promise.race([gate, new Promise((_, reject) => setTimeout(() => reject(new Error("the other start never began")), 2_000))]);
          // SAFETY: passes the client's start request through unchanged to the real run object.
          return env.WORKFLOW_RUNS.getByName(runId).start(req as Parameters<DurableObjectStub<WorkflowRun>["start"]>[0]);
        },
      }),
    };
    const result = await deliver([message("together-1", { name: "together-1" }), message("together-2", { name: "together-2" })], {
      ...env,
      WORKFLOW_RUNS: gated as unknown as Cloudflare.Env["WORKFLOW_RUNS"],
    });
    expect([...result.explicitAcks].sort()).toEqual(["together-1", "together-2"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("a bad message among good ones in one delivery: the bad one is dead-lettered and acked, the good ones start and are acked", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await deliver([
      message("mixed-good", { name: "mixed-good" }),
      message("mixed-bad", { name: 42, marker: "mixed-bad" }),
      message("mixed-date", { name: "mixed-date", when: new Date(0) }),
    ]);
    expect([...result.explicitAcks].sort()).toEqual(["mixed-bad", "mixed-date", "mixed-good"]);
    expect(result.retryMessages).toEqual([]);
    const letters = await vi.waitFor(async () => {
      const found = [...(await deadLettersWith("mixed-bad")), ...(await deadLettersWith("mixed-date"))];
      expect(found).toHaveLength(2);
      return found;
    }, DELIVERY);
    expect(letters.find((l) => l.messageId === "mixed-bad")).toMatchObject({
      attempts: 1,
      sentAt: "2026-11-17T09:00:00.000Z",
      error: { code: "run.invalid_args", errors: [{ path: "/name" }] },
    });
    expect(letters.find((l) => l.messageId === "mixed-date")?.error).toMatchObject({
      code: "queue.body_not_json",
      errors: [{ path: "/when", message: "a Date: send it as an ISO string" }],
    });
    await vi.waitFor(async () => expect(await jobsNamed("mixed-good")).toHaveLength(1), DELIVERY);
    expect(await jobsNamed("mixed-date")).toEqual([]);
    // Each dead letter is logged by code and paths; the body (user data) is never logged.
    const logged = logLines(warn, "a queue message no run can start from was dead-lettered");
    expect(logged.map((l) => [l.messageId, l.code, l.paths]).sort()).toEqual([
      ["mixed-bad", "run.invalid_args", ["/name"]],
      ["mixed-date", "queue.body_not_json", ["/when"]],
    ]);
    expect(JSON.stringify(warn.mock.calls)).not.toContain("marker");
  });

  it("a body JSON cannot carry reaches the dead-letter queue as v8, exactly as it came", async () => {
    const sent: { body: unknown; options: QueueSendOptions | undefined }[] = [];
    const recording = { send: async (body: unknown, options?: QueueSendOptions) => void sent.push({ body, options }) };
    const body = { name: "v8", tags: new Set(["a"]) };
    const result = await deliver([message("v8-body", body)], { ...env, TEST_DEAD_LETTERS: recording as unknown as Queue });
    expect(result.explicitAcks).toEqual(["v8-body"]);
    expect(sent).toEqual([{ body: expect.objectContaining({ messageId: "v8-body", body }), options: { contentType: "v8" } }]);
    expect((sent[0]!.body as DeadLetter).body).toStrictEqual(body);
  });

  it("a start that cannot reach the run object is retried with a backoff, not acked; a bad message in the batch is still dead-lettered", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const unreachable = {
      getByName: () => ({
        start: async () => {
          throw new Error("Network connection lost.");
        },
      }),
    };
    const result = await deliver([message("transient", { name: "transient" }, 3), message("transient-bad", { count: "x", marker: "transient-bad" })], {
      ...env,
      WORKFLOW_RUNS: unreachable as unknown as Cloudflare.Env["WORKFLOW_RUNS"],
    });
    expect(result.explicitAcks).toEqual(["transient-bad"]);
    expect(result.retryMessages).toEqual([{ msgId: "transient" }]);
    // After the third delivery the wait is 40 s nominal, jittered between half and all of it.
    const delay = result.delays.transient!;
    expect(delay >= 20 && delay <= 40).toBe(true);
    expect(logLines(warn, "starting a run from a queue message failed; the message is retried")).toEqual([
      expect.objectContaining({ messageId: "transient", attempt: 3, delaySeconds: delay, error: { name: "Error", message: "Network connection lost." } }),
    ]);
    await vi.waitFor(async () => expect(await deadLettersWith("transient-bad")).toHaveLength(1), DELIVERY);
    expect(await jobsNamed("transient")).toEqual([]);
  });

  it("a bad message whose dead-letter queue is not bound is retried, never dropped", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { TEST_DEAD_LETTERS: _unbound, ...withoutDlq } = env;
    const result = await deliver([message("no-dlq", { name: "" })], withoutDlq as Cloudflare.Env);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "no-dlq" }]);
    expect(result.delays["no-dlq"]).toBeGreaterThanOrEqual(5);
    expect(logLines(error, "a queue message no run can start from is retried: the trigger's deadLetter is not a queue binding of this Worker")).toEqual([
      expect.objectContaining({ messageId: "no-dlq", code: "run.invalid_args", deadLetter: "TEST_DEAD_LETTERS", paths: ["/name"] }),
    ]);
  });

  it("messages of a queue no trigger starts runs for are retried, never dropped", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await deliver([message("orphan", { name: "orphan" })], env, "stepwise-no-trigger");
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "orphan" }]);
    expect(result.delays.orphan).toBeGreaterThanOrEqual(5);
    expect(logLines(error, "no queue trigger for this queue; its messages are retried")).toEqual([
      expect.objectContaining({ queue: "stepwise-no-trigger", code: "queue.no_trigger" }),
    ]);
  });
});
