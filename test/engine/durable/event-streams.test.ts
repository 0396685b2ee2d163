// SSE readers of a run's events get them as fast as they read, no faster: an idle reader of a long run
// holds a bounded queue, and once it reads it still gets every event, in order, with no gap.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EventStreams, SSE_QUEUE_EVENTS } from "../../../src/engine/durable/event-streams.ts";
import { RunStore } from "../../../src/engine/durable/run-store.ts";
import { startRun, view } from "../../helpers/runtime.ts";

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

describe("SSE event streams", () => {
  it("queue at most a bounded number of events for a reader that does not read, then deliver them all", async () => {
    // 1,500 steps: two events each, plus the run's and the wait's.
    const { stub } = await startRun("chain", { steps: 1_500, waitAtEnd: true });
    // The handler gives way every few steps, so "quiet" comes early: wait for its final wait.
    await expect.poll(async () => (await view(stub, "none")).status, { timeout: 20_000 }).toBe("waiting");
    await runInDurableObject(stub, async (_instance, state) => {
      const store = new RunStore(state.storage);
      const last = store.lastEventSeq();
      expect(last).toBeGreaterThan(3_000);
      const streams = new EventStreams(state, store);
      const res = streams.openSse(0, false);
      streams.flush(false);
      await turns(50);
      // Nothing was read: the pump waits for the reader instead of queuing the whole log.
      const [sent] = streams.sseProgress;
      expect(sent).toBeLessThanOrEqual(SSE_QUEUE_EVENTS + 1);

      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes(`id: ${last}\n`)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      await reader.cancel();
      const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(ids).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    });
  });
});
