// The lists as text: workflows with live runs per version, a page of runs with the next page's command,
// and each kind of wait in words.
import { describe, expect, it } from "vitest";
import type { RunList } from "../../src/cli/api.ts";
import { describeWait, formatRunList, formatWorkflows, type Wait } from "../../src/cli/format-runs.ts";

const T0 = Date.UTC(2026, 10, 17, 10, 0, 0);

describe("formatWorkflows", () => {
  it("prints the newest version and the live runs of each, marking versions no longer deployed", () => {
    const list = {
      workflows: [
        { name: "await-approval", args: {}, version: 1, versions: [{ version: 1, deployed: true, liveRuns: 4 }] },
        {
          name: "checkout",
          args: {},
          version: 3,
          versions: [
            { version: 1, deployed: false, liveRuns: 2 },
            { version: 3, deployed: true, liveRuns: 0 },
          ],
        },
      ],
    };
    expect(formatWorkflows(list)).toEqual([
      "NAME            VERSION  LIVE RUNS",
      "await-approval  1        v1: 4",
      "checkout        3        v1: 2 (not deployed), v3: 0",
    ]);
    expect(formatWorkflows({ workflows: [] })).toEqual(["No workflows are registered."]);
  });
});

describe("formatRunList", () => {
  const list: RunList = {
    runs: [
      {
        runId: "run_b2",
        workflow: "await-approval",
        status: "waiting",
        createdAt: T0 + 1000,
        updatedAt: T0 + 1000,
        version: 1,
        waitingFor: [{ seq: 0, kind: "signal", signal: "approval", timeoutAt: null, since: T0 + 1000 }],
        completedAt: null,
      },
      {
        runId: "run_a1",
        workflow: "sleepy-greeting",
        status: "completed",
        createdAt: T0,
        updatedAt: T0 + 1500,
        version: 2,
        waitingFor: [],
        completedAt: T0 + 1500,
      },
    ],
    nextCursor: "c:1/2",
  };

  it("prints one row per run: id, workflow, status, created, duration, what it waits for; then the next page", () => {
    expect(formatRunList(list, T0 + 5000, (cursor) => `stepwise runs --cursor ${cursor}`)).toEqual([
      "RUN     WORKFLOW            STATUS     CREATED               DURATION  WAITING FOR",
      'run_b2  await-approval v1   waiting    2026-11-17T10:00:01Z  4.0 s     signal "approval"',
      "run_a1  sleepy-greeting v2  completed  2026-11-17T10:00:00Z  1.5 s",
      "",
      "More runs: stepwise runs --cursor c:1/2",
    ]);
  });

  it("prints no hint on the last page", () => {
    expect(formatRunList({ runs: [], nextCursor: null }, T0, () => "never")).toEqual(["No runs."]);
  });
});

describe("describeWait", () => {
  it.each<[Wait, string]>([
    [{ seq: 1, kind: "sleep", name: "nap", until: T0 + 90_000 }, 'sleep "nap" (wakes in 1.5 min)'],
    [{ seq: 2, kind: "retry", name: "charge", attempt: 3, at: T0 + 2000, since: T0 }, 'retry of "charge" (attempt 3 in 2.0 s)'],
    [{ seq: 3, kind: "signal", signal: "approval", timeoutAt: null }, 'signal "approval"'],
    [{ seq: 3, kind: "signal", signal: "approval", timeoutAt: T0 - 5000, label: "approval" }, 'signal "approval" [approval] (times out 5.0 s ago)'],
    [{ seq: 4, kind: "workflow", name: "child", childRunId: "run_c1", since: T0 }, "child run run_c1"],
  ])("%j is %s", (wait, text) => {
    expect(describeWait(wait, T0)).toBe(text);
  });
});
