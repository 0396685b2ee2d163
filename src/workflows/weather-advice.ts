// Example (seed: basic chaining): a weather agent, then a fashion agent in the same thread. Each
// agent call is an action step; the second one sees the first one's answer in the thread's history.
import { z } from "zod";
import { createThread, defineWorkflow } from "stepwise";
import { fashionAgent, weatherAgent } from "./example-agents.ts";

export const weatherAdvice = defineWorkflow({
  name: "weather-advice",
  args: z.object({ location: z.string().min(1).max(100), userId: z.string().min(1).max(200).default("demo") }),
  returns: z.object({ threadId: z.string(), weather: z.string(), advice: z.string() }),
  handler: async (step, { location, userId }) => {
    const { threadId } = await createThread(step, { userId, title: `What to wear in ${location}` });
    const weather = await weatherAgent.generateText(step, { threadId }, { prompt: `What is the weather in ${location}?` }, { retry: true });
    const advice = await fashionAgent.generateText(step, { threadId }, { prompt: "What should I wear based on the weather?" }, { retry: true });
    return { threadId, weather: weather.text, advice: advice.text };
  },
});
