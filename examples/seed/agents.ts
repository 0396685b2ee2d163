// The seed's agents and the actions its workflows call (`internal.agents.*`). The seed shows
// `getAdvice`, `generateSupport` and `getStructuredSupport`; the agents and the other actions it only
// calls (`generate`, `analyze`, ...) are ours, written the seed's way.
// --- import lines (the only lines changed in the seed's code below) ---
import { z } from "zod";
import { action, Agent, components, internalAction, stepCountIs, v } from "stepwise/convex";
// --- end of import lines ---

export const weatherAgent = new Agent(components.agent, {
  name: "weather",
  instructions: "You are a weather reporter. Describe the weather in one or two sentences.",
});
export const fashionAgent = new Agent(components.agent, {
  name: "fashion",
  instructions: "You are a fashion advisor. Recommend what to wear, based on the weather discussed earlier in this conversation.",
});
export const supportAgent = new Agent(components.agent, {
  name: "support",
  instructions: "You are a customer support agent. Answer clearly and suggest a concrete next step.",
});
const billingAgent = new Agent(components.agent, { name: "billing", instructions: "You are a billing specialist." });
const triageAgent = new Agent(components.agent, { name: "triage", instructions: "Decide which department should handle the request." });
const writerAgent = new Agent(components.agent, { name: "writer", instructions: "Improve the draft you are given." });

// Seed, "Basic Chaining" (verbatim).
export const getAdvice = action({
  args: { location: v.string(), threadId: v.string() },
  handler: async (ctx, { location, threadId }) => {
    // Step 1: Get weather
    await weatherAgent.generateText(
      ctx,
      { threadId },
      {
        prompt: `What is the weather in ${location}?`
      }
    );

    // Step 2: Get fashion advice (includes previous messages)
    await fashionAgent.generateText(
      ctx,
      { threadId },
      {
        prompt: 'What should I wear based on the weather?'
      }
    );
  }
});

// Seed, "Agent as Action Steps" (verbatim).
// Export agent as action
export const generateSupport = supportAgent.asTextAction({
  stopWhen: stepCountIs(10)
});

// Seed, "Structured Output Action" (verbatim).
export const getStructuredSupport = supportAgent.asObjectAction({
  schema: z.object({
    analysis: z.string().describe('Analysis of the request'),
    instruction: z.string().describe('Suggested action')
  })
});

// The actions the seed's workflows call by reference.
export const generate = supportAgent.asTextAction();
export const analyze = supportAgent.asTextAction();
export const billing = billingAgent.asTextAction();
export const support = supportAgent.asTextAction();

export const summarize = internalAction({
  args: { inputs: v.array(v.object({ text: v.string() })) },
  handler: async (ctx, { inputs }) => {
    const { text } = await supportAgent.generateText(ctx, {}, { prompt: `Summarize:\n${inputs.map((i) => `- ${i.text}`).join("\n")}` });
    return text;
  },
});

export const triage = internalAction({
  args: { prompt: v.string() },
  handler: async (ctx, { prompt }) => {
    const schema = z.object({ department: z.enum(["billing", "support"]) });
    const { object } = await triageAgent.generateObject(ctx, {}, { prompt, schema });
    return object;
  },
});

export const draft = internalAction({
  args: { draft: v.string() },
  handler: async (ctx, { draft }) => {
    const { text } = await writerAgent.generateText(ctx, {}, { prompt: `Improve this draft: ${draft}` });
    return { text };
  },
});
