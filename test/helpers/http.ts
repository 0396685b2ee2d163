// HTTP helpers for in-runtime tests: real requests through the Worker's fetch handler, with the token.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const TOKEN = "test-token";

export function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const h: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...headers };
  const init: RequestInit = { method, headers: h };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  return exports.default.fetch(new Request(`http://stepwise.test${path}`, init));
}

export async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as { code: string; status: number; detail: string; errors?: { path: string; message: string }[] };
}
