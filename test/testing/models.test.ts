// Agents answer from the model a test picks: a MockLanguageModelV4, the offline model, or one per agent.
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stepwiseTest, type StepwiseTest } from "../../src/testing/index.ts";
import { textResult } from "../fixtures/agents/mock-model.ts";

let t: StepwiseTest;
afterEach(() => t.dispose());

describe("the model agents answer with", () => {
  beforeEach(async () => {
    t = await stepwiseTest();
  });

  it("is the offline model by default", async () => {
    const run = await t.start("kit.agent-step", { prompt: "Say hello." });
    expect(((await run.result()) as { text: string }).text).toContain("[offline model]");
  });

  it("is a mock when the test picks one, which sees the agent's instructions and the prompt", async () => {
    const model = new MockLanguageModelV4({ doGenerate: [textResult("Hello from the mock.")] });
    t.useModel(model);
    const run = await t.start("kit.agent-step", { prompt: "Say hello." });
    expect(await run.result()).toMatchObject({ text: "Hello from the mock." });
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(JSON.stringify(model.doGenerateCalls[0]!.prompt)).toContain("You answer in one sentence.");
    expect(JSON.stringify(model.doGenerateCalls[0]!.prompt)).toContain("Say hello.");
  });

  it("may be chosen per agent: another agent keeps the offline model", async () => {
    const model = new MockLanguageModelV4({ doGenerate: [textResult("only for another agent")] });
    t.useModel(model, { agent: "someone-else" });
    const run = await t.start("kit.agent-step", { prompt: "Say hello." });
    expect(((await run.result()) as { text: string }).text).toContain("[offline model]");
    expect(model.doGenerateCalls).toHaveLength(0);
  });
});

it("is given when the environment is made, and goes when it is disposed", async () => {
  const model = new MockLanguageModelV4({ doGenerate: [textResult("from the options")] });
  t = await stepwiseTest({ model });
  expect(await (await t.start("kit.agent-step", { prompt: "Hi." })).result()).toMatchObject({ text: "from the options" });
  t.dispose();
  t = await stepwiseTest();
  expect(((await (await t.start("kit.agent-step", { prompt: "Hi." })).result()) as { text: string }).text).toContain("[offline model]");
});
