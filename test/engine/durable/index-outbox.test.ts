// The run index outbox inside a real run object's storage, its index RPC replaced by one the test
// answers by hand: a push counts only once the index confirmed it, and late confirmations never win.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IndexOutbox } from "../../../src/engine/durable/index-outbox.ts";
import { RunStore, type RunRecord } from "../../../src/engine/durable/run-store.ts";

interface Upsert {
  status: string;
  version: number;
  settle(ok: boolean): void;
}

/** An env whose RUN_INDEX records each upsert and lets the test answer it (or fail it). */
function handIndex() {
  const upserts: Upsert[] = [];
  const fake = {
    RUN_INDEX: {
      getByName: () => ({
        upsert: (e: { status: string; version: number }) =>
          new Promise<void>((resolve, reject) =>
            upserts.push({ status: e.status, version: e.version, settle: (ok) => (ok ? resolve() : reject(new Error("index unreachable"))) }),
          ),
      }),
    },
  };
  // SAFETY: IndexOutbox only reads env.RUN_INDEX.getByName(...).upsert.
  return { env: fake as unknown as Env, upserts };
}

/** Runs `fn` with an outbox over the storage of a fresh run object holding a running run. */
async function withOutbox(fn: (o: { outbox: IndexOutbox; store: RunStore; run: RunRecord; upserts: Upsert[] }) => Promise<void>): Promise<void> {
  const stub = env.WORKFLOW_RUNS.getByName(`outbox-${crypto.randomUUID()}`);
  await runInDurableObject(stub, async (_instance, state) => {
    const store = new RunStore(state.storage);
    store.migrate();
    store.insertRun({ runId: "r1", workflow: "w", args: null, parent: null, now: 1 });
    const index = handIndex();
    const outbox = new IndexOutbox(index.env, store);
    outbox.load();
    await fn({ outbox, store, run: store.getRun()!, upserts: index.upserts });
  });
}

const turn = () => new Promise((r) => setTimeout(r, 0));

describe("IndexOutbox", () => {
  it("counts a push only once the index confirmed it; a second push of the same status waits for the first", async () => {
    await withOutbox(async ({ outbox, store, run, upserts }) => {
      const first = outbox.push(run, "completed", 2);
      const second = outbox.push(run, "completed", 3);
      await turn();
      expect(upserts).toHaveLength(1); // one RPC for both
      expect(outbox.isCurrent("completed")).toBe(false);
      upserts[0]!.settle(false);
      expect(await first).toBe(false);
      expect(await second).toBe(false); // not "true because a push had started"
      expect(outbox.isCurrent("completed")).toBe(false);
      expect(store.indexState().indexedStatus).toBeNull();

      // The next wake-up pushes again, and this time the index answers.
      const retry = outbox.push(run, "completed", 4);
      await turn();
      expect(upserts).toHaveLength(2);
      upserts[1]!.settle(true);
      expect(await retry).toBe(true);
      expect(outbox.isCurrent("completed")).toBe(true);
      expect(store.indexState().indexedStatus).toBe("completed");
      expect(await outbox.push(run, "completed", 5)).toBe(true);
      expect(upserts).toHaveLength(2); // confirmed: no more RPCs
    });
  });

  it("a late confirmation of an older status never overwrites a newer one", async () => {
    await withOutbox(async ({ outbox, store, run, upserts }) => {
      const older = outbox.push(run, "waiting", 2);
      const newer = outbox.push(run, "completed", 3);
      await turn();
      expect(upserts.map((u) => u.status)).toEqual(["waiting", "completed"]);
      expect(upserts[1]!.version).toBeGreaterThan(upserts[0]!.version);
      upserts[1]!.settle(true);
      expect(await newer).toBe(true);
      upserts[0]!.settle(true);
      expect(await older).toBe(false);
      expect(outbox.isCurrent("completed")).toBe(true);
      expect(store.indexState().indexedStatus).toBe("completed");
    });
  });
});
