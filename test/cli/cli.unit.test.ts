// The command line end to end against a fake fetch (no server): what each kind of answer prints and
// which exit code it gives, what is sent, and that the token is never printed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/cli.ts";

const TOKEN = "s3cret-cli-token";
const URL_ = "http://stepwise.test";
let cwd: string;

beforeAll(() => {
  // A directory with no .dev.vars above it, so only the environment gives a token.
  cwd = mkdtempSync(join(tmpdir(), "stepwise-cli-"));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

type Route = (req: Request) => Response | Promise<Response>;

const json = (body: unknown, status = 200) => Response.json(body, { status });
const problem = (status: number, code: string, detail: string, errors?: { path: string; message: string }[]) =>
  new Response(JSON.stringify({ type: `urn:stepwise:problem:${code}`, title: code, status, detail, code, ...(errors ? { errors } : {}) }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
const sse = (...events: { seq: number; type: string; data?: Record<string, unknown> }[]) =>
  new Response(events.map((e) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ at: 0, data: {}, ...e })}\n\n`).join(""), {
    headers: { "content-type": "text/event-stream" },
  });

/** Runs the command line with routes keyed "METHOD /path"; every request is recorded (an unknown route is a 404). */
async function cli(
  argv: string[],
  routes: Record<string, Route> = {},
  env: Record<string, string> = { STEPWISE_URL: URL_, STEPWISE_TOKEN: TOKEN },
  tty = false,
) {
  const requests: Request[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  const code = await runCli({
    argv,
    env,
    cwd,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    tty,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      requests.push(req.clone());
      const route = routes[`${req.method} ${new URL(req.url).pathname}`];
      return route === undefined ? problem(404, "route.not_found", "no route") : route(req);
    },
  });
  return { code, out: out.join("\n"), err: err.join("\n"), requests, sleeps };
}

describe("--json", () => {
  const routes = { "POST /api/workflows/w/runs": () => json({ runId: "run_1", status: "running" }, 201) };

  it("is one line in a pipe, so `sed` or `grep` can pick the run id out", async () => {
    const r = await cli(["start", "w", "--json"], routes);
    expect(r.out).toBe('{"runId":"run_1","status":"running"}');
  });

  it("is indented on a terminal, for reading", async () => {
    const r = await cli(["start", "w", "--json"], routes, undefined, true);
    expect(r.out).toBe('{\n  "runId": "run_1",\n  "status": "running"\n}');
  });
});

describe("requests", () => {
  it("start sends the args, version and idempotency key with the token, and prints the run id", async () => {
    const r = await cli(["start", "await-approval", "--args", '{"request":"ship"}', "--version", "2", "--idempotency-key", "k-1"], {
      "POST /api/workflows/await-approval/runs": () => json({ runId: "run_1", status: "running" }, 201),
    });
    expect(r).toMatchObject({ code: 0, out: "Started run_1 (await-approval)", err: "" });
    const [req] = r.requests;
    expect(req?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers.get("idempotency-key")).toBe("k-1");
    expect(await req?.json()).toEqual({ args: { request: "ship" }, version: 2 });
  });

  it("signal sends the payload as JSON, or no payload when it is omitted", async () => {
    const routes = { "POST /api/runs/run_1/signals/approval": () => json({ accepted: true, signalId: 3, duplicate: false }, 202) };
    const withPayload = await cli(["signal", "run_1", "approval", '{"approved":true}'], routes);
    expect(withPayload).toMatchObject({ code: 0, out: 'Sent signal "approval" to run_1 (signal 3)' });
    expect(await withPayload.requests[0]?.json()).toEqual({ payload: { approved: true } });
    const without = await cli(["signal", "run_1", "approval"], routes);
    expect(await without.requests[0]?.json()).toEqual({});
  });

  it("restart reads --from-step as a seq when it is a number, else as a step name", async () => {
    const routes = { "POST /api/runs/run_1/restart": () => json({ runId: "run_1:r2", restartOf: "run_1", fromStep: 2, version: 1, status: "running" }, 201) };
    const bySeq = await cli(["restart", "run_1", "--from-step", "2"], routes);
    expect(await bySeq.requests[0]?.json()).toEqual({ fromStep: 2 });
    expect(bySeq.out).toBe("Restarted run_1 as run_1:r2 from step 2 (v1, running)");
    const byName = await cli(["restart", "run_1", "--from-step", "charge"], routes);
    expect(await byName.requests[0]?.json()).toEqual({ fromStep: "charge" });
  });

  it("runs passes its filters and prints the next page's command with them", async () => {
    const r = await cli(["runs", "--workflow", "await-approval", "--status", "waiting", "--limit", "1"], {
      "GET /api/runs": () => json({ runs: [], nextCursor: "abc 1" }),
    });
    expect(new URL(r.requests[0]!.url).search).toBe("?workflow=await-approval&status=waiting&limit=1");
    expect(r.out).toContain("More runs: stepwise runs --workflow await-approval --status waiting --limit 1 --cursor 'abc 1'");
  });
});

describe("history", () => {
  const history = { format: "stepwise.history/1", runId: "run_1", steps: [{ seq: 0, name: "a", result: { n: 1 } }], patches: [], signals: [] };
  const routes = { "GET /api/runs/run_1/history": () => json(history) };

  it.each([[[] as string[]], [["--json"]]])("prints the run's history as JSON, one line in a pipe (%j), for `> histories/$RUN.json`", async (extra) => {
    const r = await cli(["history", "run_1", ...extra], routes);
    expect(r).toMatchObject({ code: 0, out: JSON.stringify(history), err: "" });
    expect(new URL(r.requests[0]!.url).pathname).toBe("/api/runs/run_1/history");
  });

  it("is indented on a terminal", async () => {
    const r = await cli(["history", "run_1"], routes, undefined, true);
    expect(r.out).toBe(JSON.stringify(history, null, 2));
  });

  it("an unknown run exits 1 with the refusal on stderr, so nothing lands in the file stdout goes to", async () => {
    const r = await cli(["history", "run_2"], { "GET /api/runs/run_2/history": () => problem(404, "run.not_found", "no such run") });
    expect(r).toMatchObject({ code: 1, out: "", err: "error: no such run (run.not_found)" });
  });

  it("needs its run id, and is in the help", async () => {
    const r = await cli(["history"]);
    expect(r.code).toBe(2);
    expect(r.requests).toEqual([]);
    expect((await cli(["--help"])).out).toMatch(/^ {2}history <runId> +print a run's history as JSON/m);
  });
});

describe("exit codes and errors", () => {
  it.each([
    [["bogus"], /unknown command "bogus"/],
    [["start", "w", "--args", "{nope"], /^stepwise start: --args is not valid JSON/],
    [["signal", "run_1", "approval", "{nope"], /^stepwise signal: payload-json is not valid JSON/],
    [["runs", "--limit", "many"], /--limit must be a whole number/],
    [["runs", "--url", "nowhere"], /--url: "nowhere" is not a URL/],
  ])("%j is bad usage: exit 2 and no request sent", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.requests).toEqual([]);
  });

  it("a refusal exits 1 with its message, code and each failing path on stderr", async () => {
    const refuse = () => problem(400, "signal.invalid_payload", "the payload does not match", [{ path: "/payload/approved", message: "Expected boolean" }]);
    const r = await cli(["signal", "run_1", "approval", '{"approved":"yes"}'], { "POST /api/runs/run_1/signals/approval": refuse });
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toBe("error: the payload does not match (signal.invalid_payload)\n  /payload/approved: Expected boolean");
  });

  it("with --json, the problem document itself goes to stdout", async () => {
    const r = await cli(["cancel", "run_1", "--json"], {
      "POST /api/runs/run_1/cancel": () => problem(409, "run.already_finished", "the run has already ended"),
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ code: "run.already_finished", status: 409 });
  });

  it.each([[[] as string[]], [["--json"]]])("401 exits 4, says how to give a token and never prints it (%j)", async (extra) => {
    const r = await cli(["workflows", ...extra], { "GET /api/workflows": () => problem(401, "auth.invalid_token", "the bearer token is not valid") });
    expect(r.code).toBe(4);
    expect(r.err).toContain("The token from STEPWISE_TOKEN was refused: pass one with --token <token>, set STEPWISE_TOKEN");
    expect(r.out + r.err).not.toContain(TOKEN);
  });

  it("401 without a token says none was given", async () => {
    const r = await cli(["workflows"], { "GET /api/workflows": () => problem(401, "auth.missing_token", "no bearer token") }, { STEPWISE_URL: URL_ });
    expect(r.code).toBe(4);
    expect(r.requests[0]?.headers.get("authorization")).toBeNull();
    expect(r.err).toContain("No token was given");
  });

  it("a 5xx exits 3, and so does a server that cannot be reached", async () => {
    const failing = await cli(["workflows"], { "GET /api/workflows": () => problem(500, "internal", "internal error") });
    expect(failing).toMatchObject({ code: 3, err: "error: internal error (internal)" });
    const refused = await runCli({
      argv: ["workflows", "--token", TOKEN],
      env: { STEPWISE_URL: URL_ },
      cwd,
      out: () => {},
      err: (l) => expect(l).toBe(`error: could not reach ${URL_} (ECONNREFUSED); is the server running? (npm start, or --url / STEPWISE_URL)`),
      now: () => 0,
      sleep: async () => {},
      fetch: async () => {
        throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
      },
    });
    expect(refused).toBe(3);
  });

  it("an answer that is not a Stepwise problem exits by its status", async () => {
    const r = await cli(["show", "run_1"], { "GET /api/runs/run_1": () => new Response("<h1>Not here</h1>", { status: 404, statusText: "Not Found" }) });
    expect(r).toMatchObject({ code: 1, err: `error: ${URL_} answered HTTP 404 Not Found` });
  });
});

describe("following events", () => {
  it("prints each event and exits by how the run ended; a stream cut short is reopened after the last seq", async () => {
    let opened = 0;
    const r = await cli(["events", "run_1"], {
      "GET /api/runs/run_1/events": () =>
        ++opened === 1
          ? sse(
              { seq: 1, type: "run.started", data: { workflow: "w", version: 1 } },
              { seq: 2, type: "step.started", data: { seq: 0, name: "a", kind: "run", attempt: 1 } },
            )
          : sse({ seq: 3, type: "run.finished", data: { status: "failed", error: { code: "test.x", message: "boom" } } }),
      "GET /api/runs/run_1": () => json({ status: "running", completedAt: null }),
    });
    expect(r.code).toBe(5);
    expect(r.out.split("\n").map((l) => l.slice(28).trimEnd())).toEqual([
      "run.started      w v1",
      "step.started     #0 a (run)",
      "run.finished     failed, boom (test.x)",
    ]);
    const streams = r.requests.filter((q) => q.url.endsWith("/events"));
    expect(streams.map((q) => q.headers.get("last-event-id"))).toEqual([null, "2"]);
    expect(r.sleeps).toEqual([500]);
  });

  it("reopens a stream whose connection drops mid-way, after the last seq it read", async () => {
    let opened = 0;
    const dropping = () => {
      const frame = `id: 1\ndata: ${JSON.stringify({ seq: 1, type: "run.started", at: 0, data: {} })}\n\n`;
      // One frame, then the connection fails (error() in start would discard the frame still queued).
      let pulls = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(new TextEncoder().encode(frame));
          else controller.error(new TypeError("terminated"));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    const r = await cli(["events", "run_1"], {
      "GET /api/runs/run_1/events": () => (++opened === 1 ? dropping() : sse({ seq: 2, type: "run.finished", data: { status: "completed" } })),
      "GET /api/runs/run_1": () => json({ status: "waiting", completedAt: null }),
    });
    expect(r.code).toBe(0);
    expect(r.requests.filter((q) => q.url.endsWith("/events")).map((q) => q.headers.get("last-event-id"))).toEqual([null, "1"]);
  });

  it("an event that is not one exits 3", async () => {
    const r = await cli(["events", "run_1"], {
      "GET /api/runs/run_1/events": () => new Response('data: {"nope":1}\n\n', { headers: { "content-type": "text/event-stream" } }),
    });
    expect(r).toMatchObject({ code: 3, err: `error: ${URL_} sent an event that is not one: {"nope":1}` });
  });

  it("--json prints one event per line; --after resumes after that seq; a canceled run exits 6", async () => {
    const r = await cli(["events", "run_1", "--after", "4", "--json"], {
      "GET /api/runs/run_1/events": () => sse({ seq: 5, type: "run.finished", data: { status: "canceled" } }),
    });
    expect(r.code).toBe(6);
    expect(r.requests[0]?.headers.get("last-event-id")).toBe("4");
    expect(JSON.parse(r.out)).toEqual({ seq: 5, type: "run.finished", at: 0, data: { status: "canceled" } });
  });

  it("a stream that ends after a run that ended already exits by the run's status", async () => {
    const r = await cli(["events", "run_1", "--after", "99"], {
      "GET /api/runs/run_1/events": () => sse(),
      "GET /api/runs/run_1": () => json({ status: "completed", completedAt: 1 }),
    });
    expect(r).toMatchObject({ code: 0, out: "" });
  });

  it("start --wait asks with held reads until the run ends, past a 5xx, and prints the result", async () => {
    const answers = [
      () => json({ runId: "run_1", status: "running", completedAt: null }),
      () => problem(503, "internal", "the object restarted"),
      () => json({ runId: "run_1", status: "completed", createdAt: 0, updatedAt: 1200, completedAt: 1200, result: { hi: "Ada" } }),
    ];
    const r = await cli(["start", "greet", "--wait"], {
      "POST /api/workflows/greet/runs": () => json({ runId: "run_1", status: "running" }, 201),
      "GET /api/runs/run_1": () => answers.shift()!(),
    });
    expect(r).toMatchObject({ code: 0, out: 'Started run_1 (greet)\nrun_1 completed after 1.2 s\nresult  {"hi":"Ada"}' });
    const reads = r.requests.filter((q) => q.method === "GET");
    expect(reads.map((q) => new URL(q.url).search)).toEqual(["?steps=none&wait=60", "?steps=none&wait=60", "?steps=none&wait=60"]);
    expect(answers).toEqual([]);
    expect(r.sleeps).toEqual([500]);
  });

  it("start --wait stops at a refusal of its read", async () => {
    const r = await cli(["start", "greet", "--wait"], {
      "POST /api/workflows/greet/runs": () => json({ runId: "run_1", status: "running" }, 201),
      "GET /api/runs/run_1": () => problem(404, "run.not_found", "no such run"),
    });
    expect(r.code).toBe(1);
    expect(r.requests.filter((q) => q.method === "GET")).toHaveLength(1);
  });
});
