// The agent that answers a thread's chat WebSocket (`send` frames): the deployment's model, a short
// instruction. Override AgentThread#chatAgent in a subclass to answer with your own Agent.
import { Agent } from "../agent.ts";

let agent: Agent | undefined;

/**
 * Built on first use: the thread object imports this module while `Agent` may still be loading.
 * @example
 * export class SupportThread extends AgentThread { protected override chatAgent() { return supportAgent; } }
 */
export function defaultChatAgent(): Agent {
  return (agent ??= new Agent({ name: "assistant", instructions: "You are a helpful assistant. Answer clearly and briefly." }));
}
