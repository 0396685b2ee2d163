// POST /api/queues/{queue}/messages: sends the body to the queue's producer as given, so the consumer
// starts a run from it (or dead-letters it); a queue no trigger names a producer for is a 404.
import { describe, expect, it, vi } from "vitest";
import { JOBS_QUEUE } from "../../fixtures/queue-triggers.ts";
import { call, problemOf } from "../../helpers/http.ts";
import { DELIVERY, deadLettersWith, jobsNamed } from "../../helpers/queues.ts";

describe("POST /api/queues/{queue}/messages", () => {
  it("sends the body to the queue: 202, and the consumer starts a run with it", async () => {
    const res = await call("POST", `/api/queues/${JOBS_QUEUE}/messages`, { body: { name: "via-api", count: 4 } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queue: JOBS_QUEUE, sent: true });
    await vi.waitFor(async () => expect(await jobsNamed("via-api")).toEqual([expect.objectContaining({ count: 4 })]), DELIVERY);
  });

  it("sends a body the workflow refuses as it is: the consumer dead-letters it with the failing path", async () => {
    const res = await call("POST", `/api/queues/${JOBS_QUEUE}/messages`, { body: { name: "via-api-bad", count: "four" } });
    expect(res.status).toBe(202);
    const [letter] = await vi.waitFor(async () => {
      const letters = await deadLettersWith("via-api-bad");
      expect(letters).toHaveLength(1);
      return letters;
    }, DELIVERY);
    expect(letter?.error).toMatchObject({ code: "run.invalid_args", errors: [{ path: "/count" }] });
  });

  it.each([
    ["a queue no trigger starts runs from", "/api/queues/stepwise-unknown/messages"],
    ["a trigger whose producer binding the Worker lacks", "/api/queues/stepwise-support-tickets/messages"],
  ])("answers 404 queue.not_found for %s", async (_, path) => {
    const res = await call("POST", path, { body: { name: "x" } });
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe("queue.not_found");
  });

  it.each([
    ["no body", {}, "/body"],
    ["a delay past 12 hours", { body: {}, delaySeconds: 43_201 }, "/delaySeconds"],
  ])("refuses %s with 400 naming the field", async (_, body, path) => {
    const res = await call("POST", `/api/queues/${JOBS_QUEUE}/messages`, body);
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual([path]);
  });

  it("needs the bearer token", async () => {
    const res = await call("POST", `/api/queues/${JOBS_QUEUE}/messages`, { body: {} }, { authorization: "Bearer wrong" });
    expect(res.status).toBe(401);
  });
});
