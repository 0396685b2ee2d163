// draft-approval (the seed's human in the loop) with the testing kit: the approver decides through the
// signed link the email carried, an approved draft is published once, and a day without a decision
// times out and spends the link. The day passes in no real time.
import { MockLanguageModelV4 } from "ai/test";
import { describe, expect, it } from "vitest";
import { textResult } from "../../fixtures/agents/mock-model.ts";
import { rowsOfRun } from "../../helpers/app-rows.ts";
import { useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();
const HOUR = 60 * 60 * 1000;

describe("draft-approval", () => {
  it("approved through the signed link 23 hours in, publishes once", async () => {
    const run = await kit.t.start("draft-approval", { topic: "our new API" });
    expect(await run.waitingFor()).toEqual([expect.objectContaining({ kind: "signal", signal: "approval", label: "approval" })]);
    await run.advance(23 * HOUR);
    await run.approve();
    expect(await run.result()).toMatchObject({ outcome: "published", by: "editor@example.com" });
    expect(await run.journal()).toHaveRunOnce("publish");
    expect(kit.t.calls("publish")).toHaveLength(1);
  });

  it("publishes the draft the model wrote, as one posts row keyed by the publish step", async () => {
    kit.t.useModel(new MockLanguageModelV4({ doGenerate: [textResult("Introducing our new API: faster, simpler.")] }));
    const run = await kit.t.start("draft-approval", { topic: "our new API" });
    await run.approve();
    const r = (await run.result()) as { threadId: string; draft: string; postId: number };
    expect(r.draft).toBe("Introducing our new API: faster, simpler.");
    const journal = await run.journal();
    expect(journal.steps.map((s) => s.name)).toEqual(["createThread", "draftApproval.draftPost", "stepwise.requestApproval", "approval", "publish"]);
    expect(journal).toHaveWaitedForSignal("approval");
    // The request step journaled what the link's page shows the approver: the draft.
    expect(journal.steps[2]!.result).toMatchObject({ to: "editor@example.com", summary: r.draft, signal: "approval" });
    expect(await rowsOfRun("posts", run.runId)).toEqual([
      { id: r.postId, idempotency_key: `${run.runId}:4`, thread_id: r.threadId, text: r.draft, published_at: expect.any(String) },
    ]);
  });

  it("rejected through the link, publishes nothing; a second decision finds it decided", async () => {
    const run = await kit.t.start("draft-approval", { topic: "our new API" });
    const link = await run.approvalLink();
    await run.reject();
    expect(await run.result()).toMatchObject({ outcome: "rejected", by: "editor@example.com" });
    expect(await run.openLink(link, "approve")).toMatchObject({ status: 200, title: "Already decided" });
    expect(kit.t.calls("publish")).toEqual([]);
    expect(await rowsOfRun("posts", run.runId)).toEqual([]);
  });

  it("times out after 24 hours without a decision, and the link then says it expired", async () => {
    const run = await kit.t.start("draft-approval", { topic: "our new API" });
    const link = await run.approvalLink();
    expect(await run.result()).toMatchObject({ outcome: "timed_out" });
    const wait = (await run.journal()).named("approval")[0]!;
    expect(wait.completedAt! - wait.startedAt).toBeGreaterThanOrEqual(24 * HOUR);
    expect(await run.openLink(link, "approve")).toMatchObject({ status: 410, title: "This link has expired" });
    expect(kit.t.calls("publish")).toEqual([]);
  });

  it("evicted while it waits, replays without drafting again, and still takes the decision", async () => {
    const run = await kit.t.start("draft-approval", { topic: "our new API" });
    expect(await run.evict()).toEqual({ replayedSteps: 4 });
    await run.approve();
    expect(await run.result()).toMatchObject({ outcome: "published" });
    expect(kit.t.calls("draftApproval.draftPost")).toHaveLength(1);
    expect(kit.t.calls("publish")).toHaveLength(1);
  });
});
