// The deployment's settings: signing keys whose ids repeat are refused with a clear error (one key
// would sign, the other verify, and every link would fail), and a PUBLIC_BASE_URL still pointing at
// localhost is reported when the Worker is served from anywhere else.
import { describe, expect, it } from "vitest";
import { deploymentOrigin, parseSigningKeys } from "../../src/approvals/core/index.ts";
import { checkConfig } from "../../src/http/config.ts";

const SECRET_A = "a-secret-of-thirty-two-characters";
const SECRET_B = "b-secret-of-thirty-two-characters";

/** Only the settings the checks read; the rest of Env plays no part. */
function envOf(vars: { API_TOKEN?: string; APPROVAL_SIGNING_KEY?: string; PUBLIC_BASE_URL?: string }): Env {
  // SAFETY: checkConfig and deploymentOrigin read only these three settings.
  return { API_TOKEN: "t", PUBLIC_BASE_URL: "https://stepwise.example.com", ...vars } as unknown as Env;
}

describe("APPROVAL_SIGNING_KEY", () => {
  it.each([
    ["a key id used twice", `k1:${SECRET_A},k1:${SECRET_B}`],
    ["two bare secrets (both k1)", `${SECRET_A},${SECRET_B}`],
    ["a bare secret beside k1", `k1:${SECRET_A},${SECRET_B}`],
  ])("refuses %s, naming the id", (_what, raw) => {
    expect(() => parseSigningKeys(raw)).toThrow(/key id "k1" twice/);
  });

  it("takes distinct ids, the first signing", () => {
    const keys = parseSigningKeys(`k2:${SECRET_B},k1:${SECRET_A}`);
    expect(keys.active.kid).toBe("k2");
    expect([...keys.byKid.keys()]).toEqual(["k2", "k1"]);
  });
});

describe("checkConfig", () => {
  it("reports duplicate key ids as an error without printing a secret", () => {
    const report = checkConfig(envOf({ APPROVAL_SIGNING_KEY: `k1:${SECRET_A},k1:${SECRET_B}` }), "https://stepwise.example.com/healthz");
    expect(report.errors).toEqual([expect.stringContaining('key id "k1" twice')]);
    expect(JSON.stringify(report)).not.toContain(SECRET_A);
    expect(JSON.stringify(report)).not.toContain(SECRET_B);
  });

  it("warns when PUBLIC_BASE_URL is localhost but the Worker is served elsewhere, and not in local development", () => {
    const env = envOf({ APPROVAL_SIGNING_KEY: `k1:${SECRET_A}`, PUBLIC_BASE_URL: "http://localhost:8787" });
    expect(checkConfig(env, "https://stepwise.example.workers.dev/api/workflows").warnings).toEqual([
      expect.stringContaining("PUBLIC_BASE_URL is http://localhost:8787"),
    ]);
    expect(checkConfig(env, "http://localhost:8787/api/workflows").warnings).toEqual([]);
    expect(checkConfig(env, "http://127.0.0.1:8790/healthz").warnings).toEqual([]);
  });

  it("is clean for a deployment configured as the README says", () => {
    expect(checkConfig(envOf({ APPROVAL_SIGNING_KEY: `k2:${SECRET_B},k1:${SECRET_A}` }), "https://stepwise.example.com/")).toEqual({
      errors: [],
      warnings: [],
    });
  });

  it("binds links to PUBLIC_BASE_URL's origin", () => {
    expect(deploymentOrigin(envOf({ PUBLIC_BASE_URL: "https://stepwise.example.com/base/" }))).toBe("https://stepwise.example.com");
  });
});
