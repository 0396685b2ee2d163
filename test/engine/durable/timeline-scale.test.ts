// How long the first timeline window of a 10,000-step run takes, inside the object and over the client.
// It logs the figures and asserts only the answers: timing assertions would make the suite flaky.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunTimeline } from "../../../src/engine/index.ts";
import { unwrap } from "../../../src/kernel/result.ts";
import { client, type RunStub, startRun } from "../../helpers/runtime.ts";

const N = 10_000;
const REPS = 20;

/** The median of `REPS` timings of `read` inside the object (a macrotask between them lets the clock move). */
async function insideObject(stub: RunStub, read: (instance: { timeline: (q: object) => unknown }) => unknown): Promise<number> {
  return runInDurableObject(stub, async (instance) => {
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      // SAFETY: the instance is test/worker.ts's WorkflowRun, which has timeline().
      read(instance as unknown as { timeline: (q: object) => unknown });
      times.push(performance.now() - t);
      await scheduler.wait(1);
    }
    return median(times);
  });
}

async function overClient(read: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t = performance.now();
    await read();
    times.push(performance.now() - t);
  }
  return median(times);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe("timeline at scale", () => {
  it(`opens a ${N}-step run's first window (limit 500)`, { timeout: 180_000 }, async () => {
    const startedAt = performance.now();
    const { runId, stub } = await startRun("many-steps", { n: N, retried: N - 1 });
    // Its one retry's backoff is 0 ms: the alarm comes due on its own.
    await expect.poll(async () => (await client.getRun(runId, { steps: "none" })).status, { timeout: 170_000, interval: 100 }).toBe("completed");
    const ranMs = performance.now() - startedAt;

    const first = await client.getTimeline(runId, { limit: 500 });
    expect(first.steps).toHaveLength(500);
    expect(first).toMatchObject({ stepCount: N, nextCursor: 499 });
    const last = await client.getTimeline(runId, { after: N - 501 });
    expect(last.steps.at(-1)!.attempts.map((a) => a.outcome)).toEqual(["retrying", "completed"]);

    const inFirst = await insideObject(stub, (o) => unwrap(o.timeline({ limit: 500 }) as never) as RunTimeline);
    const inLast = await insideObject(stub, (o) => unwrap(o.timeline({ after: N - 501 }) as never) as RunTimeline);
    const clientFirst = await overClient(() => client.getTimeline(runId, { limit: 500 }));
    const clientLast = await overClient(() => client.getTimeline(runId, { after: N - 501 }));
    const bytes = JSON.stringify(first).length;
    console.log(
      `timeline of a ${N}-step run (ran in ${ranMs.toFixed(0)} ms): first window of 500, no retried step: ` +
        `${inFirst.toFixed(2)} ms in the object, ${clientFirst.toFixed(2)} ms over the client, ${bytes} bytes of JSON; ` +
        `last window (its last step retried, so one scan of ${await eventCount(stub)} events): ` +
        `${inLast.toFixed(2)} ms in the object, ${clientLast.toFixed(2)} ms over the client (medians of ${REPS})`,
    );
  });
});

function eventCount(stub: RunStub): Promise<number> {
  return runInDurableObject(stub, (_i, state) => Number(state.storage.sql.exec("SELECT COUNT(*) AS n FROM events").one().n));
}
