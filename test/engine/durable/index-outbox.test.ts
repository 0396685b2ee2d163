// The run index outbox inside a real run object's storage, its index RPC replaced by one the test
// answers by hand: a push counts only once the index confirmed it, and late confirmations never win.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IndexOutbox, type IndexSnapshot } from "../../../src/engine/durable/index-outbox.ts";
import { RunStore, type RunRecord } from "../../../src/engine/durable/run-store.ts";

interface Upsert {
  status: string;
  version: number;
  waitingFor: unknown[];
  settle(ok: boolean): void;
}

/** An env whose RUN_INDEX records each upsert and lets the test answer it (or fail it). */
function handIndex() {
  const upserts: Upsert[] = [];
  const fake = {
    RUN_INDEX: {
      getByName: () => ({
        upsert: (e: { status: string; version: number; waitingFor: unknown[] }) =>
          new Promise<void>((resolve, reject) =>
            upserts.push({
              status: e.status,
              version: e.version,
              waitingFor: e.waitingFor,
              settle: (ok) => (ok ? resolve() : reject(new Error("index unreachable"))),
            }),
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
    store.insertRun({ runId: "r1", workflow: "w", args: null, parent: null, indexShard: 0, now: 1 });
    const index = handIndex();
    const outbox = new IndexOutbox(index.env, store);
    outbox.load();
    await fn({ outbox, store, run: store.getRun()!, upserts: index.upserts });
  });
}

const turn = () => new Promise((r) => setTimeout(r, 0));

/** A snapshot of a run in `status` that waits for nothing. */
const at = (status: string): IndexSnapshot => ({ status, waitingFor: [] });

describe("IndexOutbox", () => {
  it("counts a push only once the index confirmed it; a second push of the same status waits for the first", async () => {
    await withOutbox(async ({ outbox, store, run, upserts }) => {
      const first = outbox.push(run, at("completed"), 2);
      const second = outbox.push(run, at("completed"), 3);
      await turn();
      expect(upserts).toHaveLength(1); // one RPC for both
      expect(outbox.isCurrent(at("completed"))).toBe(false);
      upserts[0]!.settle(false);
      expect(await first).toBe(false);
      expect(await second).toBe(false); // not "true because a push had started"
      expect(outbox.isCurrent(at("completed"))).toBe(false);
      expect(store.indexState().indexedStatus).toBeNull();

      // The next wake-up pushes again, and this time the index answers.
      const retry = outbox.push(run, at("completed"), 4);
      await turn();
      expect(upserts).toHaveLength(2);
      upserts[1]!.settle(true);
      expect(await retry).toBe(true);
      expect(outbox.isCurrent(at("completed"))).toBe(true);
      expect(store.indexState().indexedStatus).toBe("completed");
      expect(await outbox.push(run, at("completed"), 5)).toBe(true);
      expect(upserts).toHaveLength(2); // confirmed: no more RPCs
    });
  });

  it("a late confirmation of an older status never overwrites a newer one", async () => {
    await withOutbox(async ({ outbox, store, run, upserts }) => {
      const older = outbox.push(run, at("waiting"), 2);
      const newer = outbox.push(run, at("completed"), 3);
      await turn();
      expect(upserts.map((u) => u.status)).toEqual(["waiting", "completed"]);
      expect(upserts[1]!.version).toBeGreaterThan(upserts[0]!.version);
      upserts[1]!.settle(true);
      expect(await newer).toBe(true);
      upserts[0]!.settle(true);
      expect(await older).toBe(false);
      expect(outbox.isCurrent(at("completed"))).toBe(true);
      expect(store.indexState().indexedStatus).toBe("completed");
    });
  });

  it("pushes a change of what the run waits for while its status stays the same, and nothing when neither changed", async () => {
    await withOutbox(async ({ outbox, run, upserts }) => {
      const wait = (seq: number): IndexSnapshot => ({ status: "waiting", waitingFor: [{ seq, kind: "signal", signal: "go", timeoutAt: null, since: seq }] });
      const first = outbox.push(run, wait(0), 2);
      await turn();
      upserts[0]!.settle(true);
      expect(await first).toBe(true);
      expect(await outbox.push(run, wait(0), 3)).toBe(true);
      expect(upserts).toHaveLength(1);
      // The first wait was answered and the next began: same status, another wait.
      const next = outbox.push(run, wait(1), 4);
      await turn();
      expect(upserts.map((u) => [u.status, u.waitingFor])).toEqual([
        ["waiting", [expect.objectContaining({ seq: 0 })]],
        ["waiting", [expect.objectContaining({ seq: 1 })]],
      ]);
      upserts[1]!.settle(true);
      expect(await next).toBe(true);
      expect(outbox.isCurrent(wait(1))).toBe(true);
      expect(outbox.isCurrent(wait(0))).toBe(false);
    });
  });
});
