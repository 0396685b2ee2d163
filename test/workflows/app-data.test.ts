// The app's D1 helpers: a Worker without the DB binding fails the app's mutations with app.db_missing
// (a StepwiseError, not a TypeError), and a row written once is found again by its key.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appDb, StepwiseError } from "../../src/engine/index.ts";
import { insertOnce } from "../../src/workflows/app-data.ts";
import { publish } from "../../src/workflows/draft-approval.ts";
import { sendNotification } from "../../src/workflows/notifications.ts";
import { mutationContext, rowsWithKey } from "../helpers/app-data.ts";

// SAFETY: a Worker deployed from a config without [[d1_databases]] has exactly this env: no DB.
const envWithoutDb = { ...env, DB: undefined } as unknown as Env;

describe("a Worker without the DB binding", () => {
  it.each<[string, () => unknown]>([
    ["notifications.send", () => sendNotification.handler(mutationContext("run-x", 0, { env: envWithoutDb }), { userId: "ada", message: "hi" })],
    ["publish", () => publish.handler(mutationContext("run-x", 1, { env: envWithoutDb }), { threadId: "t", text: "hi" })],
  ])("%s fails with app.db_missing, which is not retried", async (_, call) => {
    const err = await Promise.resolve()
      .then(call)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepwiseError);
    expect(err).toMatchObject({ code: "app.db_missing", retryable: false, message: expect.stringContaining("wrangler.toml") });
  });
});

describe("publish", () => {
  it("called twice with the same idempotency key, writes one posts row and returns its id both times", async () => {
    const first = await publish.handler(mutationContext("run-p", 4), { threadId: "thread-1", text: "Introducing our new API." });
    const again = await publish.handler(mutationContext("run-p", 4, { attempt: 2 }), { threadId: "thread-1", text: "Introducing our new API." });
    expect(again).toEqual(first);
    expect(await rowsWithKey("posts", "run-p:4")).toEqual([
      { id: first.postId, idempotency_key: "run-p:4", thread_id: "thread-1", text: "Introducing our new API.", published_at: expect.any(String) },
    ]);
  });
});

describe("insertOnce", () => {
  it("fails with app.row_missing when its insert does not write the key it reads back", async () => {
    const db = appDb(env);
    const insert = db
      .prepare("INSERT INTO posts (idempotency_key, thread_id, text) VALUES (?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING")
      .bind("k-written", "t", "x");
    await expect(insertOnce(db, "posts", "k-read", insert)).rejects.toMatchObject({ code: "app.row_missing" });
  });
});
