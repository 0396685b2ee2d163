// weather-advice (the seed's basic chaining): the fashion agent answers in the weather agent's thread,
// seeing its answer; both answer from the offline model.
import { expect, it } from "vitest";
import { messages, useStepwiseTest } from "../../helpers/kit.ts";

const kit = useStepwiseTest();

it("the fashion agent answers in the weather agent's thread, seeing its answer", async () => {
  const run = await kit.t.start("weather-advice", { location: "Paris" });
  const r = (await run.result()) as { threadId: string; weather: string; advice: string };
  expect(r.weather).toMatch(/^\[offline model\].*Paris.*temperatureC=\d+/);
  const temp = /temperatureC=(\d+)/.exec(r.weather)![1];
  expect(r.advice).toContain(`At about ${temp} °C, wear`);
  const saved = await messages(r.threadId);
  expect(saved.map((m) => [m.role, m.agentName])).toEqual([
    ["user", null],
    ["assistant", "weather"],
    ["tool", "weather"],
    ["assistant", "weather"],
    ["user", null],
    ["assistant", "fashion"],
  ]);
  for (const m of saved.filter((m) => m.agentName !== null)) expect(m).toMatchObject({ model: "offline", provider: "stepwise.offline" });
  const journal = await run.journal();
  expect(journal.steps.map((s) => s.name)).toEqual(["createThread", "weather.generateText", "fashion.generateText"]);
  expect(journal).toHaveRunOnce("fashion.generateText");
  expect(journal).not.toHaveRunInParallel(["weather.generateText", "fashion.generateText"]);
});
