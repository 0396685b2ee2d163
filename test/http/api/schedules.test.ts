// The schedule routes from real requests: create, list, read, pause, resume, trigger, delete; 400s at
// the failing field (cron, timezone, args), 409s, 401 without the token, and nothing changed by bad input.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, problemOf } from "../../helpers/http.ts";

const body = (name: string, extra: Record<string, unknown> = {}) => ({ name, workflow: "waiter", cron: "0 9 * * 1-5", timezone: "Europe/Paris", ...extra });
const json = async (res: Response) => (await res.json()) as Record<string, any>;

describe("/api/schedules", { timeout: 20_000 }, () => {
  it("needs the token", async () => {
    const res = await exports.default.fetch(new Request("http://stepwise.test/api/schedules"));
    expect(res.status).toBe(401);
    expect((await problemOf(res)).code).toBe("auth.missing_token");
  });

  it("creates, lists, reads, pauses, resumes, triggers and deletes a schedule", async () => {
    const created = await call("POST", "/api/schedules", body("api-weekday", { args: { count: 1 }, overlap: "allow" }));
    expect(created.status).toBe(201);
    const view = await json(created);
    expect(view).toMatchObject({
      name: "api-weekday",
      workflow: "waiter",
      source: "api",
      overlap: "allow",
      catchUp: "latest",
      catchUpLimit: 10,
      paused: false,
      recentFires: [],
    });
    expect(view.nextFireAt).toBeGreaterThan(Date.now());
    // 09:00 in Paris is 07:00 or 08:00 UTC.
    expect([7, 8]).toContain(new Date(view.nextFireAt).getUTCHours());

    const list = await json(await call("GET", "/api/schedules"));
    expect(list.schedules.map((s: { name: string }) => s.name)).toContain("api-weekday");
    expect(list.schedules.find((s: { name: string }) => s.name === "api-weekday").recentFires).toBeUndefined();

    expect(await json(await call("POST", "/api/schedules/api-weekday/pause"))).toMatchObject({ paused: true, nextFireAt: null });
    expect(await json(await call("POST", "/api/schedules/api-weekday/resume"))).toMatchObject({ paused: false, nextFireAt: view.nextFireAt });

    const trigger = await call("POST", "/api/schedules/api-weekday/trigger");
    expect(trigger.status).toBe(201);
    const { runId, outcome } = await json(trigger);
    expect(outcome).toBe("started");
    expect(runId).toMatch(/^sched:api-weekday:manual:/);
    expect((await json(await call("GET", `/api/runs/${runId}?steps=none`))).status).toBe("waiting");
    const shown = await json(await call("GET", "/api/schedules/api-weekday"));
    expect(shown.recentFires).toEqual([expect.objectContaining({ runId, outcome: "started", manual: true, pending: false })]);

    const deleted = await call("DELETE", "/api/schedules/api-weekday");
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: true });
    expect((await problemOf(await call("GET", "/api/schedules/api-weekday"))).code).toBe("schedule.not_found");
    expect((await json(await call("GET", "/api/schedules"))).schedules.map((s: { name: string }) => s.name)).not.toContain("api-weekday");
    // The run it started stays.
    expect((await call("GET", `/api/runs/${runId}?steps=none`)).status).toBe(200);
  });

  it.each([
    ["a cron syntax error", { cron: "61 * * * *" }, "/cron"],
    ["a cron with too many fields", { cron: "* * * * * * *" }, "/cron"],
    ["an unknown time zone", { timezone: "Mars/Olympus" }, "/timezone"],
    ["an unknown overlap policy", { overlap: "queue" }, "/overlap"],
    ["no name", { name: undefined }, "/name"],
  ])("refuses %s with a 400 naming the field, and creates nothing", async (_what, extra, path) => {
    const res = await call("POST", "/api/schedules", body("api-bad", extra));
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe("request.invalid");
    expect(problem.errors?.map((e) => e.path)).toEqual([path]);
    expect((await call("GET", "/api/schedules/api-bad")).status).toBe(404);
  });

  it("checks args against the workflow's schema, with paths under /args, and the workflow's name", async () => {
    const badArgs = await call("POST", "/api/schedules", body("api-args", { args: { count: "three" } }));
    expect(badArgs.status).toBe(400);
    const problem = await problemOf(badArgs);
    expect(problem.code).toBe("run.invalid_args");
    expect(problem.errors?.map((e) => e.path)).toEqual(["/args/count"]);
    const noWorkflow = await problemOf(await call("POST", "/api/schedules", body("api-args", { workflow: "nope" })));
    expect(noWorkflow).toMatchObject({ code: "request.invalid", errors: [expect.objectContaining({ path: "/workflow" })] });
    expect((await call("GET", "/api/schedules/api-args")).status).toBe(404);
  });

  it("refuses a name taken (409), leaving the first schedule as it was", async () => {
    expect((await call("POST", "/api/schedules", body("api-taken"))).status).toBe(201);
    const again = await call("POST", "/api/schedules", body("api-taken", { cron: "* * * * *" }));
    expect(again.status).toBe(409);
    expect((await problemOf(again)).code).toBe("schedule.name_taken");
    expect(await json(await call("GET", "/api/schedules/api-taken"))).toMatchObject({ cron: "0 9 * * 1-5" });
  });

  it("lists the code-defined schedule (synced at the first request), and refuses to delete it", async () => {
    await expect
      .poll(async () => (await json(await call("GET", "/api/schedules"))).schedules.map((s: { name: string }) => s.name))
      .toContain("fixture-leap-day");
    const fixture = await json(await call("GET", "/api/schedules/fixture-leap-day"));
    expect(fixture).toMatchObject({ source: "code", workflow: "waiter", cron: "0 0 29 2 *", args: { count: 1 } });
    const refused = await call("DELETE", "/api/schedules/fixture-leap-day");
    expect(refused.status).toBe(409);
    expect((await problemOf(refused)).code).toBe("schedule.defined_in_code");
    expect((await call("GET", "/api/schedules/fixture-leap-day")).status).toBe(200);
  });

  it("answers 404 for a schedule that does not exist, or a name no schedule can have", async () => {
    expect((await problemOf(await call("POST", "/api/schedules/nope/trigger"))).code).toBe("schedule.not_found");
    expect((await call("GET", "/api/schedules/~directory")).status).toBe(400);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await exports.default.fetch(new Request("http://stepwise.test/api/openapi.json"))).json()) as { paths: Record<string, any> };
    expect(Object.keys(doc.paths["/api/schedules"])).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/api/schedules/{name}"])).toEqual(["get", "delete"]);
    for (const action of ["pause", "resume", "trigger"]) expect(doc.paths[`/api/schedules/{name}/${action}`].post).toBeDefined();
    const create = doc.paths["/api/schedules"].post;
    expect(Object.keys(create.requestBody.content["application/json"].schema.properties)).toEqual(
      expect.arrayContaining(["name", "workflow", "cron", "timezone", "args", "overlap", "catchUp", "catchUpLimit"]),
    );
  });
});
