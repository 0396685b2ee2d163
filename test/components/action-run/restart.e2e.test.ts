// The ActionRetrier under a real crash: `wrangler dev` with an action that fails twice, SIGKILL of the
// whole process group during the backoff after the first failure, a restart on the same state, and the
// run's own alarm finishing it: third attempt completes, onComplete logged exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until as poll } from "../../helpers/dev-api.ts";
import { startWranglerDev, type DevServer } from "../../helpers/wrangler-dev.ts";

let dev: DevServer;

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${dev.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const until = <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000) => poll(what, read, done, timeoutMs, () => dev.logs());

beforeAll(async () => {
  dev = await startWranglerDev({ config: "test/wrangler.test.toml", vars: { API_TOKEN: "test-token" } });
});

afterAll(async () => {
  await dev?.dispose();
});

describe("an ActionRetrier run across a SIGKILL of wrangler dev", () => {
  it("killed during its backoff, it completes after the restart on its own alarm, onComplete once", async () => {
    const key = `retry-restart-${Date.now()}`;
    const { id } = await call("POST", "/test/components/retry", { key, failures: 2, initialBackoffMs: 4_000 });
    // Attempt 1 failed; the run waits 2 to 4 s (equal jitter) for attempt 2.
    const waiting = await until(
      "the first backoff",
      () => call("GET", `/test/components/retry-status?id=${id}`),
      (v) => v.attempts === 1 && v.nextAttemptAt !== null,
    );
    expect(waiting).toMatchObject({ status: "pending", history: [{ attempt: 1, error: { code: "action.failed" } }] });
    expect(waiting.nextAttemptAt).toBeGreaterThan(Date.now());

    await dev.stop("SIGKILL");
    await dev.restart();

    // Only the probe is read until onComplete ran, so nothing but the run's alarm can have woken it.
    const onComplete = await until(
      "onComplete",
      () => call("GET", `/test/components/logged?key=${encodeURIComponent(`onComplete/${id}`)}`),
      (l: unknown[]) => l.length > 0,
      30_000,
    );
    expect(onComplete).toEqual([{ outcome: { status: "completed", result: { attempt: 3, n: 3 } }, context: { key }, key: `${id}:onComplete` }]);
    const done = await call("GET", `/test/components/retry-status?id=${id}`);
    expect(done).toMatchObject({ status: "completed", attempts: 3, result: { attempt: 3, n: 3 } });
    expect(done.history.map((a: { error: { message: string } | null }) => a.error?.message ?? "ok")).toEqual([
      "transient failure 1",
      "transient failure 2",
      "ok",
    ]);
    // The second backoff (4 to 8 s) was spaced by the policy too.
    const second = done.history[1];
    expect(second.retryAt - second.endedAt).toBeGreaterThanOrEqual(4_000);
    expect((await call("GET", `/test/probe/counts?prefix=${encodeURIComponent(key)}`))[key]).toBe(3);
  });
});
