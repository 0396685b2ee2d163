// The agents of the example workflows. None names a model, so each uses the deployment's default:
// Workers AI when the AI binding is configured, the offline model otherwise (npm start, tests).
import { Agent, stepCountIs } from "stepwise";
import { getWeather, lookupInvoice, searchHelpCenter } from "./example-tools.ts";

export const weatherAgent = new Agent({
  name: "weather",
  instructions: "You are a weather reporter. Use the getWeather tool, then describe the weather in one or two sentences.",
  tools: { getWeather },
  stopWhen: stepCountIs(3),
});

export const fashionAgent = new Agent({
  name: "fashion",
  instructions: "You are a fashion advisor. Recommend what to wear, based on the weather discussed earlier in this conversation.",
});

export const supportAgent = new Agent({
  name: "support",
  instructions: "You are a customer support agent. Answer clearly and suggest a concrete next step. Search the help center when it helps.",
  tools: { searchHelpCenter },
  stopWhen: stepCountIs(4),
});

export const billingAgent = new Agent({
  name: "billing",
  instructions: "You are a billing specialist. Look up invoices when the customer mentions one, and explain charges and refunds.",
  tools: { lookupInvoice },
  stopWhen: stepCountIs(4),
});

export const triageAgent = new Agent({
  name: "triage",
  instructions: "You are a triage assistant. Decide which department should handle the customer's request.",
});

export const analystAgent = new Agent({
  name: "analyst",
  instructions: "You are an analyst. Analyze the question you are given in a few sentences.",
  // Each analysis stands alone: parallel analysts must not read each other's half-written answers.
  contextOptions: { recentMessages: 0 },
});

export const summarizerAgent = new Agent({
  name: "summarizer",
  instructions: "You are an editor. Combine the analyses earlier in this conversation into one short summary.",
});

export const writerAgent = new Agent({
  name: "writer",
  instructions: "You are a copywriter. Write a short, friendly announcement about the topic you are given.",
});
