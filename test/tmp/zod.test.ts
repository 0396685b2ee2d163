import { it, expect } from "vitest";
import { RunRecord } from "../../src/engine/durable/run-store.ts";
it("zod speed", async () => {
  const row = {
    runId: "run_x",
    workflow: "bench-chain",
    args: "{}",
    status: "completed",
    result: "1000",
    error: null,
    parent: null,
    onComplete: "none",
    onCompleteRef: null,
    createdAt: 1,
    updatedAt: 2,
    completedAt: 3,
    version: 1,
    pausedAt: null,
    restartOf: null,
    restartFrom: null,
    restartedAs: null,
    restartPending: null,
    retentionMs: null,
    expiresAt: 5,
    flow: null,
    flowState: null,
    queuedAt: null,
    indexShard: 0,
  };
  for (let i = 0; i < 1000; i++) RunRecord.parse(row);
  await new Promise((r) => setTimeout(r, 0));
  const t0 = performance.now();
  for (let i = 0; i < 20000; i++) RunRecord.parse(row);
  await new Promise((r) => setTimeout(r, 0));
  console.log("PARSE us", (((performance.now() - t0) / 20000) * 1000).toFixed(2));
  expect(1).toBe(1);
});
