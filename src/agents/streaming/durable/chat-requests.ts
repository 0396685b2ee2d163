// The requests of a chat WebSocket, as WebSocketChatTransport sends them: `send` saves the prompt and
// streams the agent's answer, `resume` follows an answer in flight, `abort` stops or unfollows one.
import { type Clock, unwrap } from "../../../kernel/index.ts";
import type { Agent } from "../../agent.ts";
import type { ThreadStore } from "../../durable/thread-store.ts";
import { replayChunks } from "../core/answer-text.ts";
import { parseClientFrame, serverFrame, type ChatRequest } from "../core/frames.ts";
import { newStreamId } from "../stream-rpc.ts";
import type { StreamHub } from "./stream-hub.ts";

/** Each request a socket follows lives in its attachment (2 KiB at most; see MAX_REQUEST_ID_CHARS). */
const MAX_REQUESTS_PER_SOCKET = 8;

export class ChatRequests {
  readonly #env: Env;
  readonly #threads: ThreadStore;
  readonly #hub: StreamHub;
  readonly #agent: () => Agent;
  readonly #clock: Clock;

  constructor(opts: { env: Env; threads: ThreadStore; hub: StreamHub; agent: () => Agent; clock: Clock }) {
    this.#env = opts.env;
    this.#threads = opts.threads;
    this.#hub = opts.hub;
    this.#agent = opts.agent;
    this.#clock = opts.clock;
  }

  /** One frame from a chat socket. A bad frame gets an `error` frame and changes nothing. */
  async handle(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const parsed = await parseClientFrame(raw);
    if (!parsed.ok) {
      this.#hub.sockets.send(ws, serverFrame.error(parsed.requestId, parsed.errorText));
      return;
    }
    const request = parsed.request;
    if (request.kind === "abort") return this.#abort(ws, request.requestId);
    if (this.#hub.sockets.count(ws) >= MAX_REQUESTS_PER_SOCKET) {
      this.#hub.sockets.send(
        ws,
        serverFrame.error(request.requestId, `chat.too_many_requests: a socket follows at most ${MAX_REQUESTS_PER_SOCKET} answers at once`),
      );
      return;
    }
    if (request.kind === "resume") return this.#hub.attach(ws, request.requestId, request.streamId, request.after);
    return this.#send(ws, request);
  }

  async #send(ws: WebSocket, request: Extract<ChatRequest, { kind: "send" }>): Promise<void> {
    const { requestId, prompt } = request;
    const threadId = this.#threads.threadId();
    if (threadId === undefined) {
      this.#hub.sockets.send(ws, serverFrame.error(requestId, "thread.not_found: no such thread"));
      return;
    }
    const now = this.#clock.now();
    // Keyed by the UI message id: a send repeated after a reconnect saves the prompt once.
    const [saved] = this.#threads.append(threadId, [{ message: { role: "user", content: prompt.text } }], `chat:${prompt.uiMessageId}`, now);
    const promptMessageId = saved!.id;
    this.#hub.messagesSaved();
    const agent = this.#agent();
    // The same prompt is being answered already (a repeated send): follow that answer, do not start another.
    const inFlight = this.#hub.streams.active().find((s) => s.promptMessageId === promptMessageId && s.agentName === agent.name);
    if (inFlight !== undefined) return this.#hub.attach(ws, requestId, inFlight.streamId, -1);

    const streamId = newStreamId();
    const controller = new AbortController();
    this.#hub.running.set(streamId, { controller, ws, requestId });
    unwrap(await this.#hub.open({ streamId, producer: "thread", agentName: agent.name, promptMessageId, runId: null, model: null, provider: null }, now));
    this.#hub.sockets.subscribe(ws, requestId, streamId, 0);
    this.#hub.sockets.send(ws, serverFrame.start(requestId));
    try {
      const answer = await agent.streamText({ env: this.#env, signal: controller.signal }, { threadId }, { promptMessageId, streamId });
      if (answer.result === null) {
        // Answered before (the send was repeated after the answer was saved): the saved answer, no new call.
        const done = await answer.done;
        unwrap(await this.#hub.push({ streamId, from: 0, chunks: replayChunks(streamId, done.text) }, this.#clock.now()));
        this.#hub.end({ streamId, outcome: "completed" }, this.#clock.now());
      } else {
        await answer.done.catch(() => {}); // the Agent ends the stream with the outcome
      }
    } catch (err) {
      // Failed before the Agent owned the stream (e.g. loading the context).
      const s = this.#hub.streams.get(streamId);
      if (s !== undefined) this.#hub.finish(s, controller.signal.aborted ? { kind: "aborted" } : { kind: "failed", error: describe(err) }, this.#clock.now());
    } finally {
      this.#hub.running.delete(streamId);
      // Never left streaming: whatever kept the Agent from ending it, it ends here.
      const s = this.#hub.streams.get(streamId);
      if (s !== undefined) this.#hub.finish(s, { kind: "interrupted" }, this.#clock.now());
    }
  }

  /**
   * `abort` of the request that asked for an answer (its `send`) stops the model call, which then
   * saves what it generated, marked aborted. Any other request (a `resume` of this answer, or of an
   * answer a workflow step or a Worker call is making) only stops following it: the SDK also sends
   * `abort` when a reader merely cancels its stream, and one watcher must not end the answer for all.
   * Cancel the run to stop a step's answer.
   */
  #abort(ws: WebSocket, requestId: string): void {
    this.#hub.sockets.unsubscribe(ws, requestId);
    // Looked up by request, not by subscription: an abort may arrive before the send's subscription.
    for (const answer of this.#hub.running.values()) {
      if (answer.ws === ws && answer.requestId === requestId) answer.controller.abort(new DOMException("a client stopped the answer", "AbortError"));
    }
  }
}

function describe(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  return { code: typeof e?.code === "string" ? e.code : "agent.failed", message: typeof e?.message === "string" ? e.message : String(err) };
}
