// `stepwise schedules` and `stepwise schedule ...` against a fake fetch: what is sent, what is printed
// (human and --json), and the usage errors caught before any request.
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/cli.ts";
import { formatSchedule, formatSchedules } from "../../src/cli/format-schedules.ts";

const NOW = Date.parse("2031-05-01T08:00:00Z");
const summary = {
  name: "digest",
  workflow: "weather-advice",
  cron: "0 9 * * 1-5",
  timezone: "Europe/Paris",
  args: { city: "Paris" },
  overlap: "skip" as const,
  catchUp: "latest" as const,
  catchUpLimit: 10,
  source: "api" as const,
  paused: false,
  nextFireAt: Date.parse("2031-05-02T07:00:00Z"),
  lastInstant: NOW,
  lastRunId: "sched:digest:2031-05-01T07:00:00.000Z",
  bufferedInstant: null,
  createdAt: NOW,
  updatedAt: NOW,
};
const view = {
  ...summary,
  recentFires: [
    { instant: Date.parse("2031-05-01T07:00:00Z"), manual: false, runId: summary.lastRunId, outcome: "started" as const, pending: false, error: null, at: NOW },
    { instant: Date.parse("2031-04-30T07:00:00Z"), manual: false, runId: null, outcome: "skipped" as const, pending: false, error: null, at: NOW },
  ],
};

async function cli(argv: string[], answer: (req: Request) => Response = () => Response.json(view)) {
  const requests: Request[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli({
    argv,
    env: { STEPWISE_URL: "http://stepwise.test", STEPWISE_TOKEN: "t" },
    cwd: "/",
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    now: () => NOW,
    sleep: async () => {},
    fetch: async (input, init) => {
      const req = new Request(input, init);
      requests.push(req.clone());
      return answer(req);
    },
  });
  return { code, out: out.join("\n"), err: err.join("\n"), requests };
}

describe("stepwise schedules", () => {
  it("lists them as a table with when each fires next", async () => {
    const r = await cli(["schedules"], () => Response.json({ schedules: [summary, { ...summary, name: "paused-one", paused: true, nextFireAt: null }] }));
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      "NAME        WORKFLOW        CRON         TIMEZONE      OVERLAP  SOURCE  NEXT",
      "digest      weather-advice  0 9 * * 1-5  Europe/Paris  skip     api     2031-05-02T07:00:00Z (in 23.0 h)",
      "paused-one  weather-advice  0 9 * * 1-5  Europe/Paris  skip     api     paused",
    ]);
    expect(new URL(r.requests[0]!.url).pathname).toBe("/api/schedules");
  });

  it("says when there are none", () => {
    expect(formatSchedules({ schedules: [] }, NOW)).toEqual(["No schedules."]);
  });
});

describe("stepwise schedule", () => {
  it("create sends the flags as the body", async () => {
    const r = await cli(
      [
        "schedule",
        "create",
        "digest",
        "--workflow",
        "weather-advice",
        "--cron",
        "0 9 * * 1-5",
        "--timezone",
        "Europe/Paris",
        "--args",
        '{"city":"Paris"}',
        "--overlap",
        "buffer_one",
        "--catch-up",
        "all",
        "--catch-up-limit",
        "3",
      ],
      () => Response.json(view, { status: 201 }),
    );
    expect(r.code).toBe(0);
    expect(r.requests[0]!.method).toBe("POST");
    expect(await r.requests[0]!.json()).toEqual({
      name: "digest",
      workflow: "weather-advice",
      cron: "0 9 * * 1-5",
      timezone: "Europe/Paris",
      args: { city: "Paris" },
      overlap: "buffer_one",
      catchUp: "all",
      catchUpLimit: 3,
    });
    expect(r.out).toBe("Created schedule digest (weather-advice, 0 9 * * 1-5 Europe/Paris); next fire 2031-05-02T07:00:00Z (in 23.0 h)");
  });

  it("show prints the fields and the recent fires; --json the API's document", async () => {
    const r = await cli(["schedule", "show", "digest"]);
    expect(r.out).toContain("cron      0 9 * * 1-5 (Europe/Paris)");
    expect(r.out).toContain("recent fires (2)");
    expect(r.out).toContain("  2031-05-01T07:00:00Z  started  sched:digest:2031-05-01T07:00:00.000Z");
    expect(r.out).toContain("  2031-04-30T07:00:00Z  skipped  -");
    const json = await cli(["schedule", "show", "digest", "--json"]);
    expect(JSON.parse(json.out)).toEqual(view);
  });

  it.each([
    ["pause", "POST", "/api/schedules/digest/pause", "Paused schedule digest"],
    ["resume", "POST", "/api/schedules/digest/resume", "Resumed schedule digest; next fire 2031-05-02T07:00:00Z (in 23.0 h)"],
    ["delete", "DELETE", "/api/schedules/digest", "Deleted schedule digest"],
  ])("%s calls %s %s", async (action, method, path, printed) => {
    const r = await cli(["schedule", action, "digest"]);
    expect(r.requests[0]!.method).toBe(method);
    expect(new URL(r.requests[0]!.url).pathname).toBe(path);
    expect(r.out).toBe(printed);
  });

  it("trigger prints the run started, or that the overlap policy skipped it", async () => {
    const started = await cli(["schedule", "trigger", "digest"], () => Response.json({ runId: "sched:digest:manual:x", outcome: "started" }, { status: 201 }));
    expect(started.out).toBe("Schedule digest: started sched:digest:manual:x");
    const skipped = await cli(["schedule", "trigger", "digest"], () => Response.json({ runId: null, outcome: "skipped" }));
    expect(skipped.out).toBe("Schedule digest: skipped (overlap policy), no run started");
  });

  it.each([
    [["schedule", "rename", "digest"], "<action> must be one of create, show, pause, resume, trigger, delete"],
    [["schedule", "create", "digest", "--cron", "* * * * *"], "create needs --workflow <name>"],
    [
      ["schedule", "create", "digest", "--workflow", "w", "--cron", "* * * * *", "--overlap", "queue"],
      "--overlap must be one of skip, buffer_one, allow, cancel_previous",
    ],
    [["schedule", "pause", "digest", "--cron", "* * * * *"], "--cron is for create, not pause"],
  ])("refuses %j before any request (exit 2)", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.requests).toEqual([]);
  });

  it("prints the API's refusal with its code and field", async () => {
    const r = await cli(["schedule", "create", "digest", "--workflow", "w", "--cron", "61 * * * *"], () =>
      Response.json(
        {
          type: "urn:stepwise:problem:request.invalid",
          title: "request.invalid",
          status: 400,
          detail: "the request body is invalid",
          code: "request.invalid",
          errors: [{ path: "/cron", message: "not a cron expression" }],
        },
        { status: 400, headers: { "content-type": "application/problem+json" } },
      ),
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("/cron");
  });

  it("formats a buffered instant and a failed fire", () => {
    const lines = formatSchedule(
      {
        ...view,
        bufferedInstant: Date.parse("2031-05-01T07:30:00Z"),
        recentFires: [{ ...view.recentFires[0]!, outcome: "failed", runId: null, error: "workflow.not_found: gone" }],
      },
      NOW,
    );
    expect(lines).toContain("buffered  2031-05-01T07:30:00Z");
    expect(lines.at(-1)).toBe("  2031-05-01T07:00:00Z  failed  -  workflow.not_found: gone");
  });
});
