// The pure parts of answers with ids and tool approvals: which calls of an answer still wait for a
// decision, what the model gets around them, and the thread as the UI messages a chat client shows.
import { describe, expect, it } from "vitest";
import { pendingApprovals } from "../../../src/agents/core/approval.ts";
import { planAnswer } from "../../../src/agents/core/context.ts";
import { record } from "../../helpers/message-records.ts";
import { toUIMessages } from "../../../src/agents/core/ui-messages.ts";

const prompt = record({ role: "user", content: "Refund order 42" }, { id: "u1", agentName: null });
const asks = record(
  {
    role: "assistant",
    content: [
      { type: "text", text: "Checking." },
      { type: "tool-call", toolCallId: "c1", toolName: "grantRefund", input: { orderId: "42" } },
      { type: "tool-approval-request", approvalId: "a1", toolCallId: "c1" },
    ],
  },
  { id: "ans1", answerId: "ans1", promptMessageId: "u1" },
);
const decided = record(
  {
    role: "tool",
    content: [
      { type: "tool-approval-response", approvalId: "a1", approved: true },
      { type: "tool-result", toolCallId: "c1", toolName: "grantRefund", output: { type: "json", value: { refunded: true } } },
    ],
  },
  { answerId: "ans1", promptMessageId: "u1" },
);
const answered = record({ role: "assistant", content: "Refunded." }, { answerId: "ans1", promptMessageId: "u1", final: true });

describe("pendingApprovals", () => {
  it("lists the requests no saved decision answers, with their calls", () => {
    expect(pendingApprovals([asks])).toEqual([{ approvalId: "a1", toolCallId: "c1", toolName: "grantRefund", input: { orderId: "42" } }]);
    expect(pendingApprovals([asks, decided])).toEqual([]);
  });
});

describe("planAnswer with approvals", () => {
  it("waits (no model call) while a call of the answer waits for its decision; goes on once it is saved", () => {
    expect(planAnswer({ prompt, history: [], responses: [asks] })).toMatchObject({ kind: "awaiting", pending: [{ approvalId: "a1" }] });
    expect(planAnswer({ prompt, history: [], responses: [asks, decided] })).toMatchObject({ kind: "continue" });
  });

  it("leaves out of the history a call that never got a result (an answer left waiting), and a message it empties", () => {
    const onlyCall = record(
      {
        role: "assistant",
        content: [
          { type: "tool-call", toolCallId: "c9", toolName: "grantRefund", input: {} },
          { type: "tool-approval-request", approvalId: "a9", toolCallId: "c9" },
        ],
      },
      { promptMessageId: "u0" },
    );
    const next = record({ role: "user", content: "Never mind" }, { agentName: null });
    const plan = planAnswer({ prompt: next, history: [prompt, asks, onlyCall], responses: [] });
    expect(plan.kind).toBe("continue");
    if (plan.kind !== "continue") return;
    expect(plan.messages).toEqual([prompt.message, { role: "assistant", content: [{ type: "text", text: "Checking." }] }, next.message]);
  });
});

describe("toUIMessages", () => {
  it("makes one assistant message per answer, under the answer's id, its tool part approved with its output", () => {
    expect(toUIMessages([prompt, asks, decided, answered])).toEqual([
      { id: "u1", role: "user", parts: [{ type: "text", text: "Refund order 42" }] },
      {
        id: "ans1",
        role: "assistant",
        parts: [
          { type: "step-start" },
          { type: "text", text: "Checking.", state: "done" },
          {
            type: "tool-grantRefund",
            toolCallId: "c1",
            state: "output-available",
            input: { orderId: "42" },
            output: { refunded: true },
            approval: { id: "a1", approved: true },
          },
          { type: "step-start" },
          { type: "text", text: "Refunded.", state: "done" },
        ],
      },
    ]);
  });

  it("shows a call waiting as approval-requested, a denied one as output-denied with its reason", () => {
    expect(toUIMessages([prompt, asks])[1]!.parts[2]).toMatchObject({ state: "approval-requested", approval: { id: "a1" } });
    const denied = record(
      {
        role: "tool",
        content: [
          { type: "tool-approval-response", approvalId: "a1", approved: false, reason: "no" },
          { type: "tool-result", toolCallId: "c1", toolName: "grantRefund", output: { type: "execution-denied", reason: "no" } },
        ],
      },
      { answerId: "ans1" },
    );
    expect(toUIMessages([prompt, asks, denied])[1]!.parts[2]).toMatchObject({ state: "output-denied", approval: { id: "a1", approved: false, reason: "no" } });
  });

  it("leaves superseded answers out; shows a cut-off answer's partial text only while it has no successful message", () => {
    const old = record({ role: "assistant", content: "Old answer." }, { answerId: "old", status: "superseded", final: true });
    const partial = record({ role: "assistant", content: "Half an ans" }, { answerId: "ans2", status: "failed" });
    expect(toUIMessages([prompt, old, partial]).map((m) => [m.id, m.parts.at(-1)])).toEqual([
      ["u1", { type: "text", text: "Refund order 42" }],
      ["ans2", { type: "text", text: "Half an ans", state: "done" }],
    ]);
    const whole = record({ role: "assistant", content: "A whole answer." }, { answerId: "ans2", final: true });
    expect(toUIMessages([prompt, partial, whole])[1]!.parts).toEqual([{ type: "step-start" }, { type: "text", text: "A whole answer.", state: "done" }]);
  });
});
