import { type UIMessage, WebSocketChatTransport } from "ai";

/** The transport of one thread's chat; `stepwiseUrl` is where Stepwise runs. */
export function chatTransport(stepwiseUrl: string, threadId: string) {
  // Browsers cannot set headers on a WebSocket: a bearer-holding backend (yours) mints a ticket per connection.
  return new WebSocketChatTransport<UIMessage>({
    url: `${stepwiseUrl}/api/threads/${threadId}/ws`,
    params: async () => {
      const res = await fetch(`/my-backend/threads/${threadId}/ws-ticket`, { method: "POST" });
      return { ticket: ((await res.json()) as { ticket: string }).ticket };
    },
  });
}
