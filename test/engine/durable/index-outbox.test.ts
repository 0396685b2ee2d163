// The run index outbox inside a real run object's storage, its index RPC replaced by one the test
// answers by hand: a push counts only once the index confirmed it, and late confirmations never win. A
// push writes nothing: its version is read (schema migration 11), and the confirmation is written with
// the store's next write.
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
async function withOutbox(
  fn: (o: {
    outbox: IndexOutbox;
    store: RunStore;
    run: RunRecord;
    upserts: Upsert[];
    /** The run row's outbox columns as stored. */
    row: () => Record<string, unknown>;
    sql: (query: string) => void;
  }) => Promise<void>,
): Promise<void> {
  const stub = env.WORKFLOW_RUNS.getByName(`outbox-${crypto.randomUUID()}`);
  await runInDurableObject(stub, async (_instance, state) => {
    const store = new RunStore(state.storage);
    store.migrate();
    store.insertRun({ runId: "r1", workflow: "w", args: null, parent: null, indexShard: 0, now: 1 });
    const index = handIndex();
    const outbox = new IndexOutbox(index.env, store);
    outbox.load();
    const row = () => state.storage.sql.exec("SELECT index_version, indexed_status, indexed_version FROM run WHERE id = 1").one();
    const sql = (query: string) => void state.storage.sql.exec(query);
    await fn({ outbox, store, run: store.getRun()!, upserts: index.upserts, row, sql });
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

  it("writes nothing to push; the confirmation is kept, and written with the store's next write", async () => {
    await withOutbox(async ({ outbox, store, run, upserts, row }) => {
      const before = row();
      const pushed = outbox.push(run, at("waiting"), 2);
      await turn();
      expect(upserts.map((u) => u.version)).toEqual([store.indexVersion()]);
      upserts[0]!.settle(true);
      expect(await pushed).toBe(true);
      // Nothing written: not for the version, not for the confirmation.
      expect(row()).toEqual(before);
      expect(before).toMatchObject({ index_version: 0, indexed_status: null, indexed_version: null });
      // What the store tells of it counts the confirmation all the same.
      expect(store.indexState()).toEqual({ version: upserts[0]!.version, indexedStatus: "waiting", indexedVersion: upserts[0]!.version });

      // The next write of the store carries it.
      store.setTimer("watchdog", -1, 1_000);
      expect(row()).toMatchObject({ index_version: 0, indexed_status: "waiting", indexed_version: upserts[0]!.version });
    });
  });

  it("a new instance trusts a written confirmation only while the entry's version is the one confirmed", async () => {
    await withOutbox(async ({ outbox, store, run, upserts }) => {
      const pushed = outbox.push(run, at("waiting"), 2);
      await turn();
      upserts[0]!.settle(true);
      await pushed;
      store.setTimer("watchdog", -1, 1_000);

      // A reload with nothing changed since: the index has it, nothing to push.
      const reloaded = new IndexOutbox(handIndex().env, store);
      reloaded.load();
      expect(reloaded.isCurrent(at("waiting"))).toBe(true);

      // A change since (an event): it may have been pushed and lost, so the entry goes again.
      store.appendEvent("signal.received", { signal: "x", signalId: 1 }, 3);
      const later = new IndexOutbox(handIndex().env, store);
      later.load();
      expect(later.isCurrent(at("waiting"))).toBe(false);
    });
  });

  it("knows nothing of a confirmation written before versions were read (indexed_version NULL): the entry goes again", async () => {
    await withOutbox(async ({ store, run, sql }) => {
      sql("UPDATE run SET indexed_status = 'waiting', index_version = 4 WHERE id = 1");
      const index = handIndex();
      const outbox = new IndexOutbox(index.env, store);
      outbox.load();
      expect(outbox.isCurrent(at("waiting"))).toBe(false);
      const pushed = outbox.push(run, at("waiting"), 2);
      await turn();
      // Above every version the old counter handed out (4), as the index may hold one of them.
      expect(index.upserts.map((u) => u.version)).toEqual([4 + 1]);
      index.upserts[0]!.settle(true);
      expect(await pushed).toBe(true);
    });
  });

  it("the entry's version grows with every change it shows: events, a line's admission, a bookkeeping step change", async () => {
    await withOutbox(async ({ store }) => {
      const v0 = store.indexVersion();
      expect(v0).toBe(1); // run.started
      store.appendEvent("run.paused", {}, 2);
      expect(store.indexVersion()).toBe(v0 + 1);
      // A pool that admits a run at once journals no event.
      store.setFlowState("admitted", 3);
      expect(store.indexVersion()).toBe(v0 + 2);
      store.insertStep({ seq: 0, name: "go", kind: "signal", status: "waiting", attempts: 0, args: null, now: 4 });
      const v1 = store.indexVersion();
      expect(v1).toBeGreaterThan(v0 + 2);
      // A wait's new label (its detail), with no event.
      store.updateStep(0, { status: "waiting", detail: JSON.stringify({ signal: "go", timeoutAt: null, label: "approval" }) }, 5, { event: false });
      expect(store.indexVersion()).toBe(v1 + 1);
    });
  });

  it("pushes another key at the version of its last push with a higher one, written first", async () => {
    await withOutbox(async ({ outbox, store, run, upserts, row }) => {
      const first = outbox.push(run, at("running"), 2);
      await turn();
      // A change this code forgot to count: the snapshot differs, the version does not.
      const second = outbox.push(run, at("paused"), 3);
      await turn();
      expect(upserts[1]!.version).toBe(upserts[0]!.version + 1);
      expect(store.indexVersion()).toBe(upserts[1]!.version);
      expect(row()).toMatchObject({ index_version: 1 });
      upserts[1]!.settle(true);
      expect(await second).toBe(true);
      upserts[0]!.settle(true);
      expect(await first).toBe(false);
      expect(outbox.isCurrent(at("paused"))).toBe(true);
    });
  });
});
