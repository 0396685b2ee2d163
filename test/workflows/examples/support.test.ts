// support and support-structured: the thread is created, the prompt saved once, the answer made in a
// retried action step, and the user notified once (a row in the app's D1 database, keyed by the step).
import { MockLanguageModelV4 } from "ai/test";
import { expect, it } from "vitest";
import { textResult } from "../../fixtures/agents/mock-model.ts";
import { rowsOfRun } from "../../helpers/app-rows.ts";
import { messages, useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();

it("creates the thread, saves the prompt, answers it in a retried action step, notifies the user once", async () => {
  const run = await kit.t.start("support", { prompt: "My export keeps failing with an error.", userId: "grace" });
  const r = (await run.result()) as { threadId: string; text: string; notification: { notificationId: number } };
  const journal = await run.journal();
  expect(journal.steps.map((s) => [s.name, s.kind])).toEqual([
    ["createThread", "mutation"],
    ["saveMessage", "mutation"],
    ["support.generateSupport", "action"],
    ["notifications.send", "mutation"],
  ]);
  expect(journal).toHaveRunOnce("notifications.send");
  expect(r.text).toContain("[offline model]");
  expect((await messages(r.threadId)).filter((m) => m.role === "user")).toHaveLength(1);
  expect(await rowsOfRun("notifications", run.runId)).toEqual([
    { id: r.notification.notificationId, idempotency_key: `${run.runId}:3`, user_id: "grace", message: r.text, created_at: expect.any(String) },
  ]);
});

it("a model that fails twice is retried by the step, and the prompt is still saved once", async () => {
  let calls = 0;
  kit.t.useModel(
    new MockLanguageModelV4({
      doGenerate: async () => {
        calls++;
        if (calls <= 2) throw new Error("Workers AI is overloaded");
        return textResult("Try exporting a smaller range.");
      },
    }),
  );
  const run = await kit.t.start("support", { prompt: "My export keeps failing.", userId: "grace" });
  const r = (await run.result()) as { threadId: string; text: string };
  expect(r.text).toBe("Try exporting a smaller range.");
  expect(kit.t.calls("support.generateSupport").map((c) => c.attempt)).toEqual([1, 2, 3]);
  expect((await messages(r.threadId)).filter((m) => m.role === "user")).toHaveLength(1);
  expect(await rowsOfRun("notifications", run.runId)).toHaveLength(1);
});

it("the structured variant returns the schema's fields", async () => {
  const run = await kit.t.start("support-structured", { prompt: "How do I reset my password?", userId: "grace" });
  const r = (await run.result()) as { threadId: string; analysis: string; instruction: string };
  expect(r.analysis).toMatch(/^Analysis of the request: How do I reset my password\? \(offline model\)$/);
  expect(r.instruction).toMatch(/^Suggested action: .*\(offline model\)$/);
  const answer = (await messages(r.threadId)).at(-1)!;
  expect(JSON.parse(answer.text)).toEqual({ analysis: r.analysis, instruction: r.instruction });
  expect((await rowsOfRun("notifications", run.runId)).map((n) => [n.user_id, n.message])).toEqual([["grace", r.instruction]]);
});
