// The app's queue works offline as `npm start` runs it: under `wrangler dev --local` on the app's own
// wrangler.toml, a message sent through POST /api/queues/... reaches the local consumer and starts a
// `support` run, and a bad one is dead-lettered with its failing paths.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, TOKEN, until } from "../helpers/dev-api.ts";
import { type DevServer, startWranglerDev } from "../helpers/wrangler-dev.ts";

const QUEUE = "stepwise-support-tickets";

let dev: DevServer;
let api: ReturnType<typeof apiOf>;

beforeAll(async () => {
  // What npm start gives the app besides wrangler.toml: the secrets of .dev.vars and the offline model.
  dev = await startWranglerDev({
    config: "wrangler.toml",
    vars: { API_TOKEN: TOKEN, APPROVAL_SIGNING_KEY: "k1:queue-e2e-signing-key-0123456789", STEPWISE_MODEL: "offline" },
  });
  api = apiOf(dev);
});

afterAll(async () => {
  await dev?.dispose();
});

describe("the support-tickets queue under wrangler dev --local", () => {
  it("starts a support run from a sent message, and dead-letters a bad one", async () => {
    const sent = await api("POST", `/api/queues/${QUEUE}/messages`, { body: { prompt: "My export is stuck at 99%.", userId: "queue-e2e" } });
    expect(sent).toEqual({ status: 202, json: { queue: QUEUE, sent: true } });
    const listed = await until(
      "a support run started from the message",
      () => api("GET", "/api/runs?workflow=support"),
      (r) => r.json.runs.length === 1,
      15_000,
      () => dev.logs(),
    );
    const runId: string = listed.json.runs[0].runId;
    const run = await until(
      "the run completed",
      () => api("GET", `/api/runs/${runId}?steps=none`),
      (r) => r.json.status === "completed",
      15_000,
      () => dev.logs(),
    );
    expect(run.json).toMatchObject({ args: { prompt: "My export is stuck at 99%.", userId: "queue-e2e" }, result: { text: expect.any(String) } });
    expect(dev.logs()).toContain(`"msg":"a queue message started a run","queue":"${QUEUE}"`);

    const bad = await api("POST", `/api/queues/${QUEUE}/messages`, { body: { prompt: "" } });
    expect(bad.status).toBe(202);
    const line = await until(
      "the bad message dead-lettered",
      async () =>
        dev
          .logs()
          .split("\n")
          .find((l) => l.includes('"msg":"a queue message no run can start from was dead-lettered"')),
      (l) => l !== undefined,
      15_000,
      () => dev.logs(),
    );
    // wrangler frames a warning line with its own label and colours: the JSON object is the line's own.
    expect(JSON.parse(/\{.*\}/.exec(line!)![0])).toMatchObject({
      queue: QUEUE,
      code: "run.invalid_args",
      deadLetter: "DEAD_LETTERS",
      paths: ["/prompt", "/userId"],
    });
  });
});
