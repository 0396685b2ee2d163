import { Agent, createThread, createTool, defineWorkflow, saveMessage, stepCountIs } from "stepwise";
import { z } from "zod";

const getWeather = createTool({
  description: "Current weather for a city",
  args: z.object({ city: z.string() }),
  handler: async (_ctx, { city }) => ({ city, tempC: 18 }), // ctx: env, threadId, runId, agentName, toolCallId, signal
});
const weatherAgent = new Agent({ name: "weather", instructions: "You are a weather reporter.", tools: { getWeather }, stopWhen: stepCountIs(3) });
export const answer = weatherAgent.asTextAction();

export const weather = defineWorkflow({
  name: "weather",
  args: z.object({ city: z.string(), userId: z.string() }),
  handler: async (step, { city, userId }) => {
    const { threadId } = await createThread(step, { userId }); // a mutation step
    const { messageId } = await saveMessage(step, { threadId, prompt: `Weather in ${city}?` }); // a mutation step
    const { text } = await step.runAction(answer, { threadId, promptMessageId: messageId }, { retry: true });
    return text;
  },
});
