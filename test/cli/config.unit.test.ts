// Where the command line connects: --url > STEPWISE_URL > localhost:$PORT, and its token: --token >
// STEPWISE_TOKEN > API_TOKEN in the nearest .dev.vars (looked for from the current directory up).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDevVars, resolveConnection } from "../../src/cli/config.ts";
import { UsageError } from "../../src/cli/exit-codes.ts";

let root: string;
/** root/.dev.vars holds a token; root/app/deep has none of its own; root/other/.dev.vars has no API_TOKEN. */
let deep: string;
let other: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "stepwise-cli-config-"));
  deep = join(root, "app", "deep");
  other = join(root, "other");
  mkdirSync(deep, { recursive: true });
  mkdirSync(other);
  writeFileSync(join(root, ".dev.vars"), '# local secrets\nAPI_TOKEN = "from-dev-vars"\nAPPROVAL_SIGNING_KEY=k1:x\n');
  writeFileSync(join(other, ".dev.vars"), "APPROVAL_SIGNING_KEY=k1:x\n");
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("resolveConnection", () => {
  it("takes the flags first", () => {
    const conn = resolveConnection({
      flags: { url: "https://a.example/", token: "from-flag" },
      env: { STEPWISE_URL: "http://b", STEPWISE_TOKEN: "from-env" },
      cwd: deep,
    });
    expect(conn).toEqual({ url: "https://a.example", token: "from-flag", tokenFrom: "--token" });
  });

  it("then the environment", () => {
    const conn = resolveConnection({ flags: {}, env: { STEPWISE_URL: "http://b.example:9000", STEPWISE_TOKEN: "from-env", PORT: "1234" }, cwd: deep });
    expect(conn).toEqual({ url: "http://b.example:9000", token: "from-env", tokenFrom: "STEPWISE_TOKEN" });
  });

  it("then localhost on PORT (or 8787) and API_TOKEN in the nearest .dev.vars, read as dotenv", () => {
    expect(resolveConnection({ flags: {}, env: { PORT: "1234" }, cwd: deep })).toEqual({
      url: "http://localhost:1234",
      token: "from-dev-vars",
      tokenFrom: `API_TOKEN in ${join(root, ".dev.vars")}`,
    });
    expect(resolveConnection({ flags: {}, env: {}, cwd: root }).url).toBe("http://localhost:8787");
  });

  it("counts an empty value as not given", () => {
    const conn = resolveConnection({ flags: { token: "" }, env: { STEPWISE_URL: " ", STEPWISE_TOKEN: "" }, cwd: root });
    expect(conn).toMatchObject({ url: "http://localhost:8787", token: "from-dev-vars" });
  });

  it("stops at the nearest .dev.vars, even when it has no API_TOKEN: no token then", () => {
    expect(findDevVars(deep)).toBe(join(root, ".dev.vars"));
    expect(findDevVars(other)).toBe(join(other, ".dev.vars"));
    expect(resolveConnection({ flags: {}, env: {}, cwd: other })).toMatchObject({ token: undefined, tokenFrom: undefined });
  });

  it.each([
    [{ url: "localhost:8787" }, {}, /^--url: "localhost:8787" is not an http or https URL/],
    [{}, { STEPWISE_URL: "not a url" }, /^STEPWISE_URL: "not a url" is not a URL/],
    [{}, { PORT: "eighty" }, /^PORT: "http:\/\/localhost:eighty" is not a URL/],
  ])("refuses a URL that is not one (%j, %j) as bad usage", (flags, env, message) => {
    expect(() => resolveConnection({ flags, env, cwd: root })).toThrow(UsageError);
    expect(() => resolveConnection({ flags, env, cwd: root })).toThrow(message);
  });
});
