// Approval links: viewing changes nothing, the first POSTed decision wins atomically, forged, tampered
// and expired tokens are refused, rotated keys still verify, and the pages are safe to email.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseSigningKeys, signApprovalToken } from "../../../src/approvals/core/token.ts";
import { client, fireUntil, runStub, settle } from "../../helpers/runtime.ts";

const KEYS = parseSigningKeys("k2:test-signing-key-two-0123456789,k1:test-signing-key-one-0123456789");
const OLD_KEY_ONLY = parseSigningKeys("k1:test-signing-key-one-0123456789");
const FOREIGN = parseSigningKeys("k2:not-the-servers-key-0123456789");
/** The test Worker's PUBLIC_BASE_URL origin (test/wrangler.test.toml): links are bound to it. */
const ORIGIN = "http://stepwise.test";

/** Starts a run that asks for approval; returns it with the link the email carried (same claims, same keys). */
async function waitingForApproval(expiresIn = 3_600_000, workflow = "approval-gate", origin = ORIGIN) {
  const { runId } = await client.startRun(workflow, workflow === "approval-gate" ? { expiresIn } : {});
  const stub = runStub(runId);
  await settle(stub);
  const run = await client.getRun(runId);
  expect(run.status).toBe("waiting");
  const request = run.steps!.find((s) => s.name === "stepwise.requestApproval")!;
  const { expiresAt } = request.result as { expiresAt: number };
  const token = await signApprovalToken({ r: runId, s: "approval", q: request.seq, e: expiresAt, o: origin }, KEYS);
  return { runId, stub, token, seq: request.seq, expiresAt };
}

/** A token as links were signed before they were bound to an origin and a purpose: HMAC over the claims alone. */
async function signV1(claims: object, secret: string): Promise<string> {
  const b64 = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replaceAll("=", "");
  const body = b64(new TextEncoder().encode(JSON.stringify(claims)));
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `${body}.${b64(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body))))}`;
}

const page = (token: string, init?: RequestInit) => exports.default.fetch(new Request(`http://stepwise.test/approvals/${token}`, init));
const decide = (token: string, decision: string) =>
  page(token, { method: "POST", body: new URLSearchParams({ decision }), headers: { "content-type": "application/x-www-form-urlencoded" } });

describe("approval links", () => {
  it("shows the request on GET (twice, changing nothing); the POSTed decision continues the run", async () => {
    const { runId, stub, token } = await waitingForApproval();
    for (let i = 0; i < 2; i++) {
      const res = await page(token);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      const text = await res.text();
      expect(text).toContain("Ship the release?");
      expect(text).toContain("release-bot");
      expect(text).toContain("approval-gate");
      expect(text).toContain('<form method="post">');
      expect(text).not.toContain("<script");
    }
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("waiting");

    const res = await decide(token, "approve");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Approved");
    await settle(stub);
    const run = await client.getRun(runId);
    expect(run.status).toBe("completed");
    expect(run.result).toMatchObject({ approved: true, by: "approver@example.com", decidedAt: expect.any(Number) });

    // Later: the page says so, and another POST changes nothing.
    expect(await (await page(token)).text()).toContain("Already decided");
    const again = await decide(token, "reject");
    expect(again.status).toBe(409);
  });

  it("lets exactly one of 10 concurrent decisions win; the run sees that one", async () => {
    const { runId, stub, token } = await waitingForApproval();
    const choices = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "approve" : "reject"));
    const responses = await Promise.all(choices.map((d) => decide(token, d)));
    const texts = await Promise.all(responses.map((r) => r.text()));
    const winners = responses.map((r, i) => ({ status: r.status, text: texts[i]!, choice: choices[i]! })).filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(9);
    expect(texts.filter((t) => t.includes("Already decided"))).toHaveLength(9);
    await settle(stub);
    const run = await client.getRun(runId);
    expect((run.result as { approved: boolean }).approved).toBe(winners[0]!.choice === "approve");
  });

  it("refuses forged, tampered and expired tokens, and accepts one signed with a rotated-out key", async () => {
    const { runId, stub, seq, expiresAt, token } = await waitingForApproval();
    const other = await waitingForApproval();
    const forged = await signApprovalToken({ r: runId, s: "approval", q: seq, e: expiresAt, o: ORIGIN }, FOREIGN);
    const [body, mac] = token.split(".") as [string, string];
    const otherMac = other.token.split(".")[1]!;
    const cases: [string, string, number][] = [
      ["forged with another key", forged, 403],
      ["another run's signature on this run", `${body}.${otherMac}`, 403],
      [
        "claims edited to another signal",
        `${btoa(JSON.stringify({ v: 2, p: "approval", o: ORIGIN, r: runId, s: "other", q: seq, e: expiresAt, k: "k2" })).replaceAll("=", "")}.${mac}`,
        403,
      ],
      ["garbage", "not-a-token", 403],
      ["expired", await signApprovalToken({ r: runId, s: "approval", q: seq, e: Date.now() - 1, o: ORIGIN }, KEYS), 410],
      [
        "a real signature for a step that is not an approval request",
        await signApprovalToken({ r: runId, s: "approval", q: seq + 1, e: expiresAt, o: ORIGIN }, KEYS),
        403,
      ],
    ];
    for (const [what, t, status] of cases) {
      expect((await page(t)).status, what).toBe(status);
      expect((await decide(t, "approve")).status, what).toBe(status);
    }
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("waiting");

    // Key rotation: a link signed before k2 became active (with k1) still works.
    const old = await signApprovalToken({ r: runId, s: "approval", q: seq, e: expiresAt, o: ORIGIN }, OLD_KEY_ONLY);
    expect((await decide(old, "reject")).status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).result).toMatchObject({ approved: false });
  });

  it("refuses an API signal that is not a decision (the wait's schema), so the link still decides", async () => {
    const { runId, stub, token } = await waitingForApproval();
    for (const payload of [true, { approved: "yes" }, undefined]) {
      const err = await client.signalRun(runId, "approval", payload).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "signal.invalid_payload" });
    }
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("waiting");
    expect((await decide(token, "reject")).status).toBe(200);
    await settle(stub);
    expect((await client.getRun(runId)).result).toMatchObject({ approved: false, by: "approver@example.com" });
  });

  it("times out to null when nobody decides", async () => {
    const { stub } = await waitingForApproval(60_000);
    const run = await fireUntil(stub, (v) => v.status === "completed");
    expect(run.result).toBeNull();
    expect(run.steps!.map((s) => s.name)).toEqual(["stepwise.requestApproval", "approval", "after-decision"]);
  });

  it("says so when the run has already finished", async () => {
    const { runId, token } = await waitingForApproval();
    await client.cancelRun(runId);
    const res = await page(token);
    expect(await res.text()).toContain("closed");
    expect((await decide(token, "approve")).status).toBe(409);
  });

  it("decides nothing once its wait ended another way: the decision never feeds a later wait on the same signal", async () => {
    const { runId, stub, token } = await waitingForApproval(3_600_000, "approval-then-wait");
    // Decided through the API instead of the link: the request's wait completes, a later one begins.
    await client.signalRun(runId, "approval", { approved: true, decidedAt: Date.now(), by: "api" });
    await settle(stub);
    const waits = () => client.getRun(runId).then((r) => r.steps!.filter((s) => s.kind === "signal").map((s) => s.status));
    expect(await waits()).toEqual(["completed", "waiting"]);

    const shown = await page(token);
    expect(shown.status).toBe(200);
    const text = await shown.text();
    expect(text).toContain("no longer waits for this decision");
    expect(text).not.toContain("<form");
    const res = await decide(token, "reject");
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("no longer waits for this decision");
    await settle(stub);
    // The later wait is still waiting: nothing was buffered for it either.
    expect(await waits()).toEqual(["completed", "waiting"]);
    const run = await client.getRun(runId);
    expect(run.status).toBe("waiting");
  });

  it("is bound to this deployment's origin and purpose: a link another deployment signed with the same key is refused", async () => {
    const { runId, stub, seq, expiresAt } = await waitingForApproval();
    const staging = await signApprovalToken({ r: runId, s: "approval", q: seq, e: expiresAt, o: "https://staging.example.com" }, KEYS);
    expect((await page(staging)).status).toBe(403);
    expect((await decide(staging, "approve")).status).toBe(403);
    // A token of the old shape (no origin, no purpose), correctly MACed under the same key, is refused too.
    const v1 = await signV1({ v: 1, r: runId, s: "approval", q: seq, e: expiresAt, k: "k2" }, "test-signing-key-two-0123456789");
    expect((await decide(v1, "approve")).status).toBe(403);
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("waiting");
  });

  it("answers a broken multipart body on a live link with a page, not a 500, and decides nothing", async () => {
    const { runId, stub, token } = await waitingForApproval();
    const res = await page(token, { method: "POST", body: "--XyZ\r\nbroken", headers: { "content-type": "multipart/form-data; boundary=XyZ" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Choose Approve or Reject");
    await settle(stub);
    expect((await client.getRun(runId)).status).toBe("waiting");
  });

  it("is useless once decided or expired: it shows neither the request nor a form, and decides nothing", async () => {
    const { runId, stub, token } = await waitingForApproval();
    expect((await decide(token, "approve")).status).toBe(200);
    await settle(stub);
    const after = await (await page(token)).text();
    expect(after).toContain("Already decided");
    expect(after).not.toContain("Release 2.0 to all customers.");
    expect(after).not.toContain("<form");
    expect((await decide(token, "reject")).status).toBe(409);
    expect((await client.getRun(runId)).result).toMatchObject({ approved: true });

    const expiring = await waitingForApproval();
    const expired = await signApprovalToken({ r: expiring.runId, s: "approval", q: expiring.seq, e: Date.now() - 1, o: ORIGIN }, KEYS);
    const res = await page(expired);
    expect(res.status).toBe(410);
    const text = await res.text();
    expect(text).not.toContain("Release 2.0 to all customers.");
    expect(text).not.toContain("<form");
  });

  it("never puts a line break in an email header: a subject holding one fails the request step before anything is sent", async () => {
    const { runId } = await client.startRun("approval-gate", { subject: "Ship?\r\nBcc: attacker@example.com" });
    await settle(runStub(runId));
    const run = await client.getRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("step.invalid_args");
    expect(run.steps!.map((s) => [s.name, s.status, s.attempts])).toEqual([["stepwise.requestApproval", "failed", 1]]);
  });

  it("draft-approval turns line breaks in its topic into spaces in the subject", async () => {
    const { runId } = await client.startRun("draft-approval", { topic: "launch\r\nBcc: attacker@example.com" });
    await settle(runStub(runId));
    const run = await client.getRun(runId);
    expect(run.status).toBe("waiting");
    const asked = run.steps!.find((s) => s.name === "stepwise.requestApproval")!.result as { subject: string };
    expect(asked.subject).toBe("Publish the announcement about launch Bcc: attacker@example.com?");
    expect(asked.subject).not.toMatch(/[\r\n]/);
  });
});
