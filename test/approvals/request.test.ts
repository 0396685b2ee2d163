// The approval request step's settings (src/approvals/request.ts): without a usable signing key or base
// URL it fails with approval.not_configured, and a sender holding a control character fails with
// approval.invalid_header; neither is retried, and neither sends anything.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sendApprovalRequest } from "../../src/approvals/request.ts";
import { resolveRetry, shouldRetry } from "../../src/engine/index.ts";
import { toSerializedError } from "../../src/kernel/index.ts";
import { mutationContext } from "../helpers/app-data.ts";
import { client, runStub, settle } from "../helpers/runtime.ts";

const ARGS = sendApprovalRequest.args.parse({
  signal: "approval",
  to: "approver@example.com",
  subject: "Ship the release?",
  summary: "Release 2.0 to all customers.",
  requestedBy: "release-bot",
  expiresIn: 3_600_000,
});

/** Runs the request step's handler once with these settings over the test Worker's, and an EMAIL binding that records what it is given. */
async function attempt(
  vars: Partial<Record<"APPROVAL_SIGNING_KEY" | "PUBLIC_BASE_URL" | "APPROVAL_FROM", string | undefined>>,
  sent: (message: unknown) => Promise<{ messageId: string }> = async () => ({ messageId: "m-1" }),
) {
  const send = vi.fn(sent);
  // SAFETY: the handler calls only EMAIL.send, which `send` stands in for.
  const email = { send } as unknown as SendEmail;
  // The action's context is the one mutations get (test/helpers/app-data.ts), with these settings.
  const ctx = mutationContext("run-approval-settings", 0, { env: { ...env, EMAIL: email, ...vars } as Env });
  const outcome = await Promise.resolve()
    .then(() => sendApprovalRequest.handler(ctx, ARGS))
    .then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, err }),
    );
  return { outcome, send };
}

/** Whether the engine would try the step again after this error on its first attempt (requestApproval asks for `retry: true`). */
function retried(err: unknown): boolean {
  return shouldRetry(resolveRetry(true, undefined), 1, toSerializedError(err).retryable ?? false);
}

describe("the approval request step", () => {
  it("with the test Worker's settings, emails a link to PUBLIC_BASE_URL from APPROVAL_FROM", async () => {
    const { outcome, send } = await attempt({});
    expect(outcome).toMatchObject({ ok: true, value: { signal: "approval", to: "approver@example.com", subject: "Ship the release?" } });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]![0]).toMatchObject({
      from: "approvals@example.com",
      to: "approver@example.com",
      subject: "Ship the release?",
      text: expect.stringContaining("http://stepwise.test/approvals/"),
    });
  });

  it("is retried when sending fails: a passing hiccup, unlike the settings below", async () => {
    const { outcome, send } = await attempt({}, async () => {
      throw new Error("send_email: temporarily unavailable");
    });
    expect(send).toHaveBeenCalledTimes(1);
    expect(outcome.ok).toBe(false);
    expect(retried(outcome.ok ? undefined : outcome.err)).toBe(true);
  });

  it.each([
    ["no signing key", { APPROVAL_SIGNING_KEY: undefined }, "APPROVAL_SIGNING_KEY must hold"],
    ["an empty signing key", { APPROVAL_SIGNING_KEY: "" }, "APPROVAL_SIGNING_KEY must hold"],
    ["a secret under 16 characters", { APPROVAL_SIGNING_KEY: "k1:too-short" }, "secrets of at least 16 characters"],
    ["a key id used twice", { APPROVAL_SIGNING_KEY: "k1:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789" }, 'uses the key id "k1" twice'],
    ["two bare secrets", { APPROVAL_SIGNING_KEY: "test-signing-key-two-0123456789,test-signing-key-one-0123456789" }, 'uses the key id "k1" twice'],
    ["a PUBLIC_BASE_URL that is not a URL", { PUBLIC_BASE_URL: "stepwise.example.com" }, "PUBLIC_BASE_URL is not a URL"],
  ])("fails with approval.not_configured, not retried and sending nothing, given %s", async (_what, vars, why) => {
    const { outcome, send } = await attempt(vars);
    expect(outcome.ok).toBe(false);
    const err = outcome.ok ? undefined : outcome.err;
    expect(err).toMatchObject({ code: "approval.not_configured", retryable: false, message: expect.stringContaining(why) });
    expect(JSON.stringify(toSerializedError(err))).not.toContain("test-signing-key");
    expect(retried(err)).toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  it.each([
    ["a CRLF and a Bcc line", "approvals@example.com\r\nBcc: attacker@example.com"],
    ["a bare line feed", "approvals@example.com\nBcc: attacker@example.com"],
    ["a bare carriage return", "approvals@example.com\rBcc: attacker@example.com"],
    ["a tab", "Approvals\t<approvals@example.com>"],
    ["a NUL", "approvals@example.com\u0000"],
    ["a DEL", "approvals@example.com\u007f"],
  ])("fails with approval.invalid_header, not retried and sending nothing, when APPROVAL_FROM holds %s", async (_what, from) => {
    const { outcome, send } = await attempt({ APPROVAL_FROM: from });
    expect(outcome.ok).toBe(false);
    const err = outcome.ok ? undefined : outcome.err;
    expect(err).toMatchObject({ code: "approval.invalid_header", retryable: false });
    expect(retried(err)).toBe(false);
    expect(send).not.toHaveBeenCalled();
  });

  it("refuses a recipient holding a line break before the step runs (step.invalid_args, one attempt)", async () => {
    const { runId } = await client.startRun("approval-gate", { to: "approver@example.com\r\nBcc: attacker@example.com" });
    await settle(runStub(runId));
    const run = await client.getRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("step.invalid_args");
    expect(run.steps!.map((s) => [s.name, s.status, s.attempts])).toEqual([["stepwise.requestApproval", "failed", 1]]);
  });
});
