// GET /api/runs/:runId/timeline and /api/runs/:runId/steps/:seq over HTTP: the shapes, the windows, and
// refusals as problem+json naming the failing parameter.
import { describe, expect, it } from "vitest";
import { call, problemOf } from "../../helpers/http.ts";
import { startRun } from "../../helpers/runtime.ts";

describe("GET /api/runs/:runId/timeline", () => {
  it("answers a window of steps with the run's times, and pages with after=nextCursor", async () => {
    const { runId } = await startRun("many-steps", { n: 7 });
    const first = await call("GET", `/api/runs/${runId}/timeline?limit=4`);
    expect(first.status).toBe(200);
    const w1 = (await first.json()) as { steps: { seq: number; attempts: unknown[] }[]; nextCursor: number | null; [k: string]: unknown };
    expect(w1).toMatchObject({ runId, workflow: "many-steps", status: "completed", stepCount: 7, nextCursor: 3 });
    expect(Object.keys(w1).sort()).toEqual(["endedAt", "nextCursor", "now", "runId", "startedAt", "status", "stepCount", "steps", "workflow"]);
    expect(w1.steps.map((s) => s.seq)).toEqual([0, 1, 2, 3]);
    // Compact: no args or results in the timeline.
    expect(Object.keys(w1.steps[0]!).sort()).toEqual(["attempts", "endedAt", "kind", "name", "seq", "startedAt", "status", "wakeAt"]);
    const w2 = (await (await call("GET", `/api/runs/${runId}/timeline?after=${w1.nextCursor}&limit=4`)).json()) as typeof w1;
    expect(w2.steps.map((s) => s.seq)).toEqual([4, 5, 6]);
    expect(w2.nextCursor).toBeNull();
    // The defaults: from the first step, 500 at a time.
    const all = (await (await call("GET", `/api/runs/${runId}/timeline`)).json()) as typeof w1;
    expect(all.steps).toHaveLength(7);
  });

  it("names the thread a step worked on, so the run page can link the run's threads", async () => {
    const { runId } = await startRun("thread-writes", {});
    const tl = (await (await call("GET", `/api/runs/${runId}/timeline`)).json()) as { steps: { name: string; threadId?: string }[] };
    const created = tl.steps.find((s) => s.name === "createThread");
    expect(created?.threadId).toMatch(/^thread_/);
    // The saves name the same thread in their args; the sleep names none.
    expect(tl.steps.filter((s) => s.threadId === created?.threadId).map((s) => s.name)).toEqual(["createThread", "saveMessage", "saveMessage"]);
    expect(tl.steps.find((s) => s.name !== "createThread" && s.name !== "saveMessage")?.threadId).toBeUndefined();
    const detail = (await (await call("GET", `/api/runs/${runId}/steps/1`)).json()) as { threadId?: string };
    expect(detail.threadId).toBe(created?.threadId);
  });

  it.each([
    ["limit=0", "/limit"],
    ["limit=2001", "/limit"],
    ["limit=ten", "/limit"],
    ["limit=1.5", "/limit"],
    ["after=-2", "/after"],
    ["after=x", "/after"],
  ])("refuses %s with a 400 naming %s", async (q, path) => {
    const { runId } = await startRun("many-steps", { n: 1 });
    const res = await call("GET", `/api/runs/${runId}/timeline?${q}`);
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("request.invalid");
    expect(p.errors?.map((e) => e.path)).toEqual([path]);
  });

  it("answers 404 run.not_found for a run that does not exist", async () => {
    const res = await call("GET", "/api/runs/run_nobody_here/timeline");
    expect(res.status).toBe(404);
    expect((await problemOf(res)).code).toBe("run.not_found");
  });
});

describe("GET /api/runs/:runId/steps/:seq", () => {
  it("answers one step in full, with its args and result", async () => {
    const { runId } = await startRun("double", { n: 4 });
    const res = await call("GET", `/api/runs/${runId}/steps/0`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      seq: 0,
      name: "record",
      kind: "action",
      status: "completed",
      args: { key: "double", value: 8 },
      result: 8,
      attempts: [{ attempt: 1, outcome: "completed" }],
    });
  });

  it("answers 404 step.not_found for a seq the run does not have, and run.not_found for no run", async () => {
    const { runId } = await startRun("double", { n: 1 });
    const missing = await call("GET", `/api/runs/${runId}/steps/1`);
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe("step.not_found");
    const nobody = await call("GET", "/api/runs/run_nobody_here/steps/0");
    expect(nobody.status).toBe(404);
    expect((await problemOf(nobody)).code).toBe("run.not_found");
  });

  it.each(["-1", "abc", "1.5"])("refuses seq %s with a 400 at /seq", async (seq) => {
    const res = await call("GET", `/api/runs/run_any/steps/${seq}`);
    expect(res.status).toBe(400);
    const p = await problemOf(res);
    expect(p.code).toBe("request.invalid");
    expect(p.errors?.map((e) => e.path)).toEqual(["/seq"]);
  });
});
