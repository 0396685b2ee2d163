// Node-side helpers for the chat process tests: the API with the token, tickets, the real
// WebSocketChatTransport from `ai` over a WebSocket class that records every frame it receives.
import {
  AbstractChat,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  WebSocketChatTransport,
  type ChatState,
  type ChatStatus,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { expect } from "vitest";
import type { DevServer } from "./wrangler-dev.ts";
import { apiOf } from "./dev-api.ts";
export { apiOf, TOKEN, until } from "./dev-api.ts";

export interface Frame {
  type: string;
  requestId: string;
  sequence?: number;
  chunk?: { type: string; delta?: string; messageId?: string };
  errorText?: string;
}

export async function newThread(dev: DevServer): Promise<string> {
  const res = await apiOf(dev)("POST", "/api/threads", { userId: "ada" });
  expect(res.status).toBe(201);
  return res.json.threadId;
}

export async function ticket(dev: DevServer, threadId: string): Promise<string> {
  const res = await apiOf(dev)("POST", `/api/threads/${threadId}/ws-ticket`);
  expect(res.status).toBe(201);
  return res.json.ticket;
}

export interface SavedMessage {
  id: string;
  role: string;
  text: string;
  status: string;
  final: boolean;
  finishReason: string | null;
  promptMessageId: string | null;
  agentName: string | null;
  error: { code: string; message: string } | null;
}

export async function messages(dev: DevServer, threadId: string): Promise<SavedMessage[]> {
  const res = await apiOf(dev)("GET", `/api/threads/${threadId}/messages?limit=100`);
  expect(res.status).toBe(200);
  return res.json.messages;
}

/** The real transport from `ai`, its sockets recording frames; each new connection mints a ticket. */
export function transportFor(dev: DevServer, threadId: string) {
  const sockets: RecordingSocket[] = [];
  class RecordingSocket extends WebSocket {
    readonly frames: Frame[] = [];
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
      this.addEventListener("message", (e) => this.frames.push(JSON.parse(String(e.data)) as Frame));
    }
  }
  const transport = new WebSocketChatTransport<UIMessage>({
    url: `${dev.url}/api/threads/${threadId}/ws`,
    params: async () => ({ ticket: await ticket(dev, threadId) }),
    // SAFETY: Node's WebSocket is the one `ai` expects (its WebSocketLike only narrows send's argument types).
    webSocket: RecordingSocket as unknown as NonNullable<ConstructorParameters<typeof WebSocketChatTransport>[0]["webSocket"]>,
  });
  return {
    transport,
    sockets,
    /** Every frame received for a request, over all sockets. */
    framesOf: (requestId: string) => sockets.flatMap((s) => s.frames.filter((f) => f.requestId === requestId)),
    /** Request ids in the order the transport's sockets first saw them. */
    requestIds: () => [...new Set(sockets.flatMap((s) => s.frames.map((f) => f.requestId)))],
  };
}

export function userMessage(text: string): UIMessage {
  return { id: `u_${crypto.randomUUID()}`, role: "user", parts: [{ type: "text", text }] };
}

export function send(
  transport: WebSocketChatTransport<UIMessage>,
  threadId: string,
  text: string,
  abortSignal?: AbortSignal,
): Promise<ReadableStream<UIMessageChunk>> {
  return transport.sendMessages({ chatId: threadId, trigger: "submit-message", messageId: undefined, messages: [userMessage(text)], abortSignal });
}

/** Reads chunks until `stop` says so (then returns, leaving the stream open) or the stream ends. */
export async function readUntil(
  stream: ReadableStream<UIMessageChunk>,
  stop: (chunks: UIMessageChunk[]) => boolean = () => false,
): Promise<{ chunks: UIMessageChunk[]; ended: boolean; reader: ReadableStreamDefaultReader<UIMessageChunk> }> {
  const reader = stream.getReader();
  const chunks: UIMessageChunk[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { chunks, ended: true, reader };
    chunks.push(value);
    if (stop(chunks)) return { chunks, ended: false, reader };
  }
}

/** The rest of a stream that readUntil stopped reading. */
export async function readRest(reader: ReadableStreamDefaultReader<UIMessageChunk>): Promise<UIMessageChunk[]> {
  const rest: UIMessageChunk[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return rest;
    rest.push(value);
  }
}

export function textOf(chunks: readonly { type: string; delta?: string }[]): string {
  return chunks.flatMap((c) => (c.type === "text-delta" && typeof c.delta === "string" ? [c.delta] : [])).join("");
}

export const deltas = (n: number) => (chunks: UIMessageChunk[]) => chunks.filter((c) => c.type === "text-delta").length >= n;

/** The sequences of a request's chunk frames, checked to run from 0 with no gap and no repeat. */
export function expectContiguous(frames: Frame[]): void {
  const seqs = frames.filter((f) => f.type === "chunk").map((f) => f.sequence);
  expect(seqs.length).toBeGreaterThan(0);
  expect(seqs).toEqual(seqs.map((_, i) => i));
}

export const PROMPT = "Please explain in detail how a durable object keeps the chunks of an answer while it streams to every client";

/** useChat's state, kept in memory (what a framework binding keeps in its store). */
class MemoryChatState implements ChatState<UIMessage> {
  status: ChatStatus = "ready";
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (m: UIMessage) => {
    this.messages = [...this.messages, m];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (i: number, m: UIMessage) => {
    this.messages = this.messages.map((x, j) => (j === i ? m : x));
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** The core of `useChat` (the ai SDK's AbstractChat), unmodified, over the real transport; it sends approvals back on its own. */
export class TestChat extends AbstractChat<UIMessage> {
  constructor(transport: WebSocketChatTransport<UIMessage>, threadId: string) {
    super({ id: threadId, transport, state: new MemoryChatState(), sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses });
  }
}

/** A chat on a thread through the real transport (`transportFor`), with its sockets at hand. */
export function chatFor(dev: DevServer, threadId: string) {
  const t = transportFor(dev, threadId);
  return { ...t, chat: new TestChat(t.transport, threadId) };
}

/** The thread as a reloading client reads it: GET /api/threads/:id/ui-messages. */
export async function reloadedHistory(dev: DevServer, threadId: string): Promise<UIMessage[]> {
  const res = await apiOf(dev)("GET", `/api/threads/${threadId}/ui-messages`);
  expect(res.status).toBe(200);
  return res.json.messages;
}

/** A message as compared across a reload: its id, role, text and each tool part's state. */
export function shape(m: UIMessage): { id: string; role: string; text: string; tools: string[] } {
  return {
    id: m.id,
    role: m.role,
    text: m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join(""),
    tools: m.parts.flatMap((p) => (p.type.startsWith("tool-") ? [`${p.type}:${(p as { state: string }).state}`] : [])),
  };
}
