// For Node-side tests against a real `wrangler dev`: the API with the test token, and polling (a real
// process has no alarm to fire by hand).
//
//   const api = apiOf(dev);
//   const run = await until("the run completed", () => api("GET", `/api/runs/${id}`), (r) => r.json.status === "completed", 60_000, () => dev.logs());

/** The API_TOKEN the test config sets (test/wrangler.test.toml). */
export const TOKEN = "test-token";

/** Calls the API of a server at `dev.url` with the bearer token; the body is JSON, as is the answer (null when empty). */
export function apiOf(dev: { readonly url: string }) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${dev.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === "" ? null : JSON.parse(text) };
  };
}

/**
 * Reads until `done` holds of what `read` returns, every 100 ms, for at most `timeoutMs`. A read that
 * throws (the server may still be coming up after a restart) counts as not done yet. On timeout the
 * error names `what`, the last value or error seen, and the tail of `logs()` when given.
 */
export async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000, logs?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await read();
      last = { value };
      if (done(value)) return value;
    } catch (error) {
      last = { error };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const seen = last === undefined ? "nothing" : "value" in last ? JSON.stringify(last.value) : `an error: ${String(last.error)}`;
  throw new Error(`${what} never happened; last seen: ${seen}${logs === undefined ? "" : `\n${logs().slice(-4000)}`}`);
}
