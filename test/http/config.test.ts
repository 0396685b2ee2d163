// /healthz through the real app: 503 with the reason (and never a secret) when a setting makes a
// feature unusable, such as signing keys whose ids repeat; 200 when the settings work.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { stepwise } from "../worker.ts";

const SECRET_A = "a-secret-of-thirty-two-characters";
const SECRET_B = "b-secret-of-thirty-two-characters";

const Health = z.object({ ok: z.boolean(), errors: z.array(z.string()), warnings: z.array(z.string()) });

/** GET /healthz of a deployment at stepwise.example.com whose settings are the test Worker's with `vars` over them. */
async function healthz(vars: Partial<Record<"APPROVAL_SIGNING_KEY" | "PUBLIC_BASE_URL" | "API_TOKEN", string | undefined>>) {
  const res = await stepwise.app.request("https://stepwise.example.com/healthz", {}, { ...env, PUBLIC_BASE_URL: "https://stepwise.example.com", ...vars });
  const text = await res.text();
  return { status: res.status, text, health: Health.parse(JSON.parse(text)) };
}

describe("/healthz", () => {
  it("answers 200 with no errors or warnings for the test Worker's settings", async () => {
    expect(await healthz({})).toMatchObject({ status: 200, health: { ok: true, errors: [], warnings: [] } });
  });

  it.each([
    ["a key id used twice", `k1:${SECRET_A},k1:${SECRET_B}`, 'uses the key id "k1" twice'],
    ["two bare secrets (both k1)", `${SECRET_A},${SECRET_B}`, 'uses the key id "k1" twice'],
    ["a newer key under an older one's id", `k2:${SECRET_B},k1:${SECRET_A},k2:${SECRET_A}`, 'uses the key id "k2" twice'],
    ["a secret under 16 characters", "k1:too-short", "secrets of at least 16 characters"],
    ["only separators", " , ,", "must hold one or more kid:secret entries"],
  ])("answers 503 naming the problem, and no secret, when APPROVAL_SIGNING_KEY holds %s", async (_what, key, why) => {
    const { status, text, health } = await healthz({ APPROVAL_SIGNING_KEY: key });
    expect(status).toBe(503);
    expect(health.ok).toBe(false);
    expect(health.errors).toEqual([expect.stringContaining(why)]);
    expect(health.errors[0]).toContain("approval links cannot be sent or decided");
    for (const secret of [SECRET_A, SECRET_B, "too-short"]) expect(text).not.toContain(secret);
  });

  it("answers 503 when PUBLIC_BASE_URL is not a URL, or API_TOKEN is unset", async () => {
    expect(await healthz({ PUBLIC_BASE_URL: "stepwise.example.com" })).toMatchObject({
      status: 503,
      health: { ok: false, errors: [expect.stringContaining("PUBLIC_BASE_URL is not a URL")] },
    });
    expect(await healthz({ API_TOKEN: "" })).toMatchObject({
      status: 503,
      health: { ok: false, errors: [expect.stringContaining("API_TOKEN is not set")] },
    });
  });

  it("answers 200 with a warning when there is no signing key at all (a deployment may not use approvals)", async () => {
    expect(await healthz({ APPROVAL_SIGNING_KEY: undefined })).toMatchObject({
      status: 200,
      health: { ok: true, errors: [], warnings: [expect.stringContaining("APPROVAL_SIGNING_KEY is not set")] },
    });
  });
});
