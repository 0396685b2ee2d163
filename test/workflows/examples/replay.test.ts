// Replay checks: histories of the example workflows, exported from real runs under `wrangler dev`
// (histories/, one finished run of each and a draft still waiting for its approval), replay on the
// current code; a deliberately changed draft-approval fails them at the step it changed.
/// <reference types="vite/client" />
import { createThread, defineWorkflow, requestApproval } from "stepwise";
import type { RunHistory } from "stepwise/testing";
import { describe, expect, it } from "vitest";
import { draftApproval, draftPost, publish } from "../../../src/workflows/draft-approval.ts";
import { useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();

const histories = import.meta.glob<RunHistory>("./histories/*.json", { eager: true, import: "default" });
const named = (file: string) => histories[`./histories/${file}.json`]!;

describe("the saved histories", () => {
  it("hold a run of every example workflow", () => {
    const workflows = new Set(Object.values(histories).map((h) => h.workflow));
    expect([...workflows].sort()).toEqual(
      kit.t.registry
        .list()
        .map((w) => w.name)
        .sort(),
    );
  });

  it.each(Object.keys(histories))("%s replays on the current code, which returns what the run returned", async (file) => {
    const history = histories[file]!;
    const report = await kit.t.replay(history);
    expect(report).toReplayCleanly();
    expect(report).toMatchObject(
      history.status === "completed" ? { ended: "returned", result: history.result, replayedSteps: history.steps.length } : { ended: "parked" },
    );
  });

  it("replaying executes nothing", async () => {
    await kit.t.replay(named("draft-approval"));
    expect(kit.t.calls("draftApproval.draftPost")).toEqual([]);
    expect(kit.t.calls("publish")).toEqual([]);
  });
});

describe("a deliberately changed draft-approval", () => {
  const DAY = 24 * 60 * 60 * 1000;

  /** A step added before the draft: every run that got past it disagrees at seq 1. */
  const checkedFirst = defineWorkflow({
    name: "draft-approval",
    args: draftApproval.args,
    handler: async (step, { topic, userId }) => {
      const { threadId } = await createThread(step, { userId, title: `Draft: ${topic.slice(0, 100)}` });
      await step.run("check-topic", () => topic.trim().length > 0);
      const { text } = await step.runAction(draftPost, { threadId, prompt: `Write an announcement about: ${topic}` }, { retry: true });
      return { threadId, draft: text };
    },
  });

  /** The same steps until the decision, then a review step where `publish` was. */
  const reviewedFirst = defineWorkflow({
    name: "draft-approval",
    args: draftApproval.args,
    handler: async (step, { topic, userId, approver }) => {
      const { threadId } = await createThread(step, { userId, title: `Draft: ${topic.slice(0, 100)}` });
      const { text } = await step.runAction(draftPost, { threadId, prompt: `Write an announcement about: ${topic}` }, { retry: true });
      const decision = await requestApproval(step, { signal: "approval", to: approver, subject: "Publish?", summary: text, expiresIn: DAY });
      if (!decision?.approved) return { threadId, published: false };
      await step.run("legal-review", () => "ok");
      return { threadId, published: await step.runMutation(publish, { threadId, text }) };
    },
  });

  it("fails both histories at seq 1, naming the journal's step and the new one", async () => {
    for (const file of ["draft-approval", "draft-approval-waiting"]) {
      const report = await kit.t.replay(named(file), { workflow: checkedFirst });
      expect(report).toMatchObject({
        ok: false,
        code: "step.non_determinism",
        seq: 1,
        expected: { kind: "action", name: "draftApproval.draftPost" },
        actual: { kind: "run", name: "check-topic" },
      });
      expect(() => expect(report).toReplayCleanly()).toThrow(
        'non-determinism at step 1: the journal has action "draftApproval.draftPost", the handler now calls run "check-topic"',
      );
    }
  });

  it("changed after the approval, fails the finished run at seq 4, while the run still waiting replays", async () => {
    expect(await kit.t.replay(named("draft-approval"), { workflow: reviewedFirst })).toMatchObject({
      ok: false,
      seq: 4,
      expected: { kind: "mutation", name: "publish" },
      actual: { kind: "run", name: "legal-review" },
    });
    expect(await kit.t.replay(named("draft-approval-waiting"), { workflow: reviewedFirst })).toMatchObject({ ok: true, ended: "parked", replayedSteps: 4 });
  });
});
