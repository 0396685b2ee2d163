// Every step kind, end to end inside workerd: journaled results, durable timers fired by alarms,
// signals, child runs and deterministic values.
import { describe, expect, it } from "vitest";
import { fireUntil, probe, startRun, view } from "../../helpers/runtime.ts";
import { client } from "../../helpers/runtime.ts";

describe("step kinds", () => {
  it("runs every kind of step and journals each one", async () => {
    const { runId, stub, status } = await startRun("every-kind", { who: "Ada" });
    expect(status).toBe("sleeping");
    // The sleep and the sleepUntil each end when their alarm fires.
    let v = await fireUntil(stub, (v) => v.status === "waiting");
    expect(v.waitingFor).toEqual([expect.objectContaining({ kind: "signal", signal: "go" })]);
    await client.signalRun(runId, "go", { ok: 1 });
    v = await fireUntil(stub, (v) => v.status === "completed");
    const result = v.result as Record<string, unknown>;
    expect(result).toMatchObject({
      action: "hi Ada",
      mutation: { key: `${runId}:1`, amount: 5 },
      inline: 42,
      signal: { ok: 1 },
      child: 42,
    });
    expect(typeof result.now).toBe("number");
    expect(result.random).toBeGreaterThanOrEqual(0);
    expect(result.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(v.steps!.map((s) => [s.seq, s.kind, s.name, s.status])).toEqual([
      [0, "action", "record", "completed"],
      [1, "mutation", "deposit", "completed"],
      [2, "run", "inline", "completed"],
      [3, "sleep", "sleep", "completed"],
      [4, "sleep", "sleepUntil", "completed"],
      [5, "signal", "go", "completed"],
      [6, "workflow", "double", "completed"],
      [7, "now", "now", "completed"],
      [8, "random", "random", "completed"],
      [9, "uuid", "uuid", "completed"],
    ]);
    expect(await probe().count(`${runId}/action`)).toBe(1);
    // The child ran in its own object, named after the parent's step.
    const child = await client.getRun(`${runId}.6`);
    expect(child).toMatchObject({ status: "completed", result: 42, workflow: "double" });
  });
});

describe("parallel steps", () => {
  it("runs steps inside Promise.all at the same time and Promise.race takes the first to finish", async () => {
    const { runId, stub, status } = await startRun("parallel", { n: 4 });
    expect(status).toBe("waiting");
    // All four actions were inside their critical section together.
    expect(await probe().max(`${runId}/parallel`)).toBe(4);
    await client.signalRun(runId, "wake", "now");
    const v = await view(stub);
    expect(v.status).toBe("completed");
    expect(v.result).toEqual({ all: [0, 10, 20, 30], raced: 'signal:"now"' });
    // The losing sleep stopped when it lost the race (not only when the run ended): no timer is left.
    expect(v.steps!.find((s) => s.kind === "sleep")!.status).toBe("abandoned");
    // seq follows call order: the four actions, then the sleep, then the wait.
    expect(v.steps!.map((s) => s.kind)).toEqual(["action", "action", "action", "action", "sleep", "signal"]);
  });
});
