// The API token check: only the token itself passes; a prefix, an extension or another token of the
// same length does not.
import { describe, expect, it } from "vitest";
import { isApiToken } from "../../src/kernel/session.ts";

const TOKEN = "s3cret-token-0123456789abcdef";

describe("isApiToken", () => {
  it("takes the token itself", () => {
    expect(isApiToken(TOKEN, TOKEN)).toBe(true);
  });

  it("refuses another token of the same length, one character off at either end", () => {
    expect(isApiToken(TOKEN, `x${TOKEN.slice(1)}`)).toBe(false);
    expect(isApiToken(TOKEN, `${TOKEN.slice(0, -1)}x`)).toBe(false);
  });

  it("refuses a prefix, an extension, the empty string and the expected token's reverse", () => {
    expect(isApiToken(TOKEN, TOKEN.slice(0, -1))).toBe(false);
    expect(isApiToken(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(isApiToken(TOKEN, "")).toBe(false);
    expect(isApiToken(TOKEN, [...TOKEN].reverse().join(""))).toBe(false);
  });
});
