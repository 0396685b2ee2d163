// Thread message records made by hand for the agents' pure tests: every field a saved message has, ids
// and orders counted up, the text taken from the message's text parts.
import { messageText, type MessageRecord, type ThreadModelMessage } from "../../src/agents/core/message.ts";

let order = 0;

/** A saved message: `extra` overrides any field (id, status, answerId, final...). */
export function record(message: ThreadModelMessage, extra: Partial<MessageRecord> = {}): MessageRecord {
  order++;
  return {
    id: `msg_${order}`,
    threadId: "thread_x",
    order,
    role: message.role,
    message,
    text: messageText(message),
    status: "success",
    agentName: null,
    model: null,
    provider: null,
    usage: null,
    finishReason: null,
    promptMessageId: null,
    answerId: null,
    final: false,
    error: null,
    createdAt: 0,
    ...extra,
  };
}
