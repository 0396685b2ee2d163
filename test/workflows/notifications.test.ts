// The notification mutation writes one row per step into the app's D1 database, however often the step
// runs: called again with the same idempotency key, after a crash between its write and the journal,
// or in a retry after an attempt that failed once it had written.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sendNotification } from "../../src/workflows/notifications.ts";
import { mutationContext, rowsOfRun, rowsWithKey } from "../helpers/app-data.ts";
import { fireUntil, logged, startRun } from "../helpers/runtime.ts";

describe("notifications.send", () => {
  it("inserts a row keyed by the step's idempotency key, and returns its id", async () => {
    const ctx = mutationContext("run-a", 3);
    const { notificationId } = await sendNotification.handler(ctx, { userId: "ada", message: "Your export is ready." });
    expect(await rowsWithKey("notifications", "run-a:3")).toEqual([
      { id: notificationId, idempotency_key: "run-a:3", user_id: "ada", message: "Your export is ready.", created_at: expect.any(String) },
    ]);
  });

  it("called again with the same idempotency key, writes nothing and returns the same id", async () => {
    const first = await sendNotification.handler(mutationContext("run-b", 3), { userId: "ada", message: "first" });
    // A later attempt of the same step (its args are the journaled ones; a different message here shows the row is not rewritten).
    const again = await sendNotification.handler(mutationContext("run-b", 3, { attempt: 2 }), { userId: "ada", message: "second" });
    expect(again).toEqual(first);
    expect((await rowsWithKey("notifications", "run-b:3")).map((r) => [r.id, r.message])).toEqual([[first.notificationId, "first"]]);
  });

  it("writes one row per step: another key is another notification", async () => {
    const a = await sendNotification.handler(mutationContext("run-c", 3), { userId: "ada", message: "one" });
    const b = await sendNotification.handler(mutationContext("run-c", 4), { userId: "ada", message: "two" });
    expect(b.notificationId).not.toBe(a.notificationId);
    expect((await rowsOfRun("notifications", "run-c")).map((r) => r.message)).toEqual(["one", "two"]);
  });

  it("lists a user's notifications through the index on (user_id, id)", async () => {
    const plan = await env.DB.prepare("EXPLAIN QUERY PLAN SELECT id, message FROM notifications WHERE user_id = ? ORDER BY id DESC").bind("ada").all<{
      detail: string;
    }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toContain("USING INDEX notifications_by_user");
  });
});

describe("notifications.send run again by the engine", () => {
  it.each([
    ["its object is cut off after the write, before the result is journaled", "evicted"],
    ["its first attempt fails after the write and the step retries", "thrown"],
  ] as const)("when %s, the step ends with the first row's id and no second row", async (_, lost) => {
    const { runId, stub } = await startRun("app-data.notify-lost", { userId: "grace", message: "Your refund is on its way.", lost }, 1);
    if (lost === "evicted") {
      // The first attempt has written its row and hangs: its result is not journaled when the object goes.
      await vi.waitFor(async () => expect(await logged(`${runId}/notified`)).toHaveLength(1), { timeout: 5_000, interval: 20 });
      await evictDurableObject(stub);
    }
    const v = await fireUntil(stub, (r) => r.status === "completed" || r.status === "failed");
    expect(v.status).toBe("completed");
    expect(v.steps![0]).toMatchObject({ name: "notifications.send-then-lose", kind: "mutation", status: "completed", attempts: 2 });

    const rows = await rowsOfRun("notifications", runId);
    expect(rows.map((r) => [r.idempotency_key, r.user_id, r.message])).toEqual([[`${runId}:0`, "grace", "Your refund is on its way."]]);
    const notificationId = rows[0]!.id;
    // Both attempts wrote with the same key: the second found the first's row and returned its id.
    expect(await logged(`${runId}/notified`)).toEqual([{ notificationId }, { notificationId }]);
    expect(v.result).toEqual({ notificationId });
  });
});
