// The requests of a chat WebSocket, as WebSocketChatTransport sends them: `send` saves the prompt and
// streams the agent's answer, `regenerate` answers a prompt again, a submit of an answer carries
// decisions on its tool calls (then the answer goes on), `resume` follows an answer in flight, `abort`
// stops or unfollows one.
import { sendDecision } from "../../../approvals/index.ts";
import { createClient } from "../../../engine/index.ts";
import { type Clock, mintId, unwrap } from "../../../kernel/index.ts";
import type { Agent } from "../../agent.ts";
import { TIMED_OUT_REASON, type ToolDecision } from "../../core/approval.ts";
import { MessageId } from "../../core/message.ts";
import type { StoredApproval } from "../../durable/approval-store.ts";
import type { ThreadStore } from "../../durable/thread-store.ts";
import { DEFAULT_APPROVAL_EXPIRY_MS } from "../../tool-approvals.ts";
import { replayChunks } from "../core/answer-text.ts";
import { parseClientFrame, serverFrame, type ChatRequest, type ClientDecision } from "../core/frames.ts";
import { newStreamId } from "../stream-rpc.ts";
import type { StreamHub } from "./stream-hub.ts";

/** Where an answer's chunks go besides the thread's followers: the chat request that asked for it, if any. */
type Requester = { ws: WebSocket; requestId: string } | null;

/** What a decision sent to the thread did. */
export type DecideOutcome =
  | { ok: true; approval: StoredApproval }
  | { ok: false; code: "approval.not_found" | "approval.already_decided" | "approval.closed" | "approval.unclaimed"; message: string };

/** Each request a socket follows lives in its attachment (2 KiB at most; see MAX_REQUEST_ID_CHARS). */
const MAX_REQUESTS_PER_SOCKET = 8;

export class ChatRequests {
  readonly #env: Env;
  readonly #threads: ThreadStore;
  readonly #hub: StreamHub;
  readonly #agent: () => Agent;
  readonly #clock: Clock;
  readonly #approvalsChanged: () => Promise<void>;
  /** Answers going on after their decisions in this instance (so the alarm does not start them twice). */
  readonly #continuing = new Set<string>();

  constructor(opts: { env: Env; threads: ThreadStore; hub: StreamHub; agent: () => Agent; clock: Clock; approvalsChanged: () => Promise<void> }) {
    this.#env = opts.env;
    this.#threads = opts.threads;
    this.#hub = opts.hub;
    this.#agent = opts.agent;
    this.#clock = opts.clock;
    this.#approvalsChanged = opts.approvalsChanged;
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
    if (request.kind === "resume") return this.#hub.attach(ws, request.requestId, { streamId: request.streamId, answerId: request.answerId }, request.after);
    const threadId = this.#threads.threadId();
    if (threadId === undefined) {
      this.#hub.sockets.send(ws, serverFrame.error(request.requestId, "thread.not_found: no such thread"));
      return;
    }
    if (request.kind === "regenerate") return this.#regenerate(ws, threadId, request);
    if (request.kind === "decide") return this.#decideFromChat(ws, threadId, request);
    return this.#send(ws, threadId, request);
  }

  async #send(ws: WebSocket, threadId: string, request: Extract<ChatRequest, { kind: "send" }>): Promise<void> {
    const { requestId, prompt } = request;
    const now = this.#clock.now();
    // Keyed by the UI message id: a send repeated after a reconnect saves the prompt once. The prompt
    // keeps the client's id, so the history it reloads names it as the client does.
    const id = MessageId.safeParse(prompt.uiMessageId);
    const message = { ...(id.success ? { id: id.data } : {}), message: { role: "user" as const, content: prompt.text } };
    const [saved] = this.#threads.append(threadId, [message], `chat:${prompt.uiMessageId}`, now);
    this.#hub.messagesSaved();
    await this.#answer({ ws, requestId }, saved!.id, {});
  }

  /**
   * `regenerate()`: the answer to a prompt (the one `messageId` names, or answers; else the last
   * message's) is replaced by a new one. What followed the prompt is kept, marked superseded.
   */
  async #regenerate(ws: WebSocket, threadId: string, request: Extract<ChatRequest, { kind: "regenerate" }>): Promise<void> {
    const { requestId } = request;
    const named =
      request.messageId === undefined
        ? this.#threads.last(threadId)
        : (this.#threads.message(threadId, request.messageId) ?? this.#threads.answer(threadId, request.messageId)[0]);
    const promptId = named === undefined ? undefined : named.role === "user" ? named.id : (named.promptMessageId ?? undefined);
    const prompt = promptId === undefined ? undefined : this.#threads.message(threadId, promptId);
    if (prompt === undefined || prompt.role !== "user" || prompt.status === "superseded") {
      this.#hub.sockets.send(ws, serverFrame.error(requestId, "chat.nothing_to_regenerate: no prompt of this thread matches messageId"));
      return;
    }
    if (this.#hub.streams.active().some((s) => s.promptMessageId === prompt.id)) {
      this.#hub.sockets.send(ws, serverFrame.error(requestId, "chat.answer_in_flight: the prompt is being answered; stop that answer first"));
      return;
    }
    this.#threads.supersedeAfter(prompt, this.#clock.now());
    this.#hub.messagesSaved();
    await this.#approvalsChanged();
    await this.#answer({ ws, requestId }, prompt.id, {});
  }

  /**
   * Decisions a client made (`addToolApprovalResponse`) on an answer's tool calls. Each goes where its
   * wait is: the thread's own chat answer takes it here, and goes on streaming to this request; a
   * workflow run gets it as its approval signal, and this request follows the answer when the run's
   * next step streams it.
   */
  async #decideFromChat(ws: WebSocket, threadId: string, request: Extract<ChatRequest, { kind: "decide" }>): Promise<void> {
    const { requestId, answerId } = request;
    const refusals: string[] = [];
    let owner: "thread" | "run" | null = null;
    for (const d of request.decisions) {
      const known = this.#threads.approvals.get(threadId, d.approvalId);
      // A decision already saved (a client sending its history again) is not a new one.
      if (known !== undefined && known.answerId === answerId && known.appliedAt !== null) continue;
      const outcome = await this.decide(threadId, { ...toDecision(d), by: "chat" });
      if (!outcome.ok && outcome.code !== "approval.already_decided") refusals.push(`${d.approvalId}: ${outcome.code}`);
      if (outcome.ok) owner = outcome.approval.owner;
      else if (known?.owner !== undefined) owner ??= known.owner;
    }
    if (refusals.length > 0 && owner === null) {
      this.#hub.sockets.send(ws, serverFrame.error(requestId, `approval.refused: ${refusals.join("; ")}`));
      return;
    }
    if (owner === "run") return this.#hub.awaitAnswer(ws, requestId, answerId);
    const live = this.#hub.streams.ofAnswer(answerId);
    if (live !== undefined) return this.#hub.attach(ws, requestId, { streamId: live.streamId }, -1);
    await this.continueAnswer(answerId, { ws, requestId });
  }

  /**
   * Takes a decision on a tool call: the thread's own chat answer's, once and before it expires; a
   * workflow run's is sent to the run under the request's once-only key (the link and the console use
   * the same), so the first decision wins from anywhere.
   */
  async decide(threadId: string, d: ToolDecision): Promise<DecideOutcome> {
    const approval = this.#threads.approvals.get(threadId, d.approvalId);
    if (approval === undefined) return { ok: false, code: "approval.not_found", message: `no tool approval ${d.approvalId} in this thread` };
    if (approval.owner === "run") {
      const sent = await sendDecision(createClient(this.#env), {
        runId: approval.runId!,
        signal: approval.signal!,
        requestSeq: approval.requestSeq!,
        decision: { approved: d.approved, decidedAt: this.#clock.now(), by: d.by ?? "api", ...(d.reason === undefined ? {} : { reason: d.reason }) },
      });
      if (sent.ok) return { ok: true, approval };
      return sent.refused === "already_decided"
        ? { ok: false, code: "approval.already_decided", message: "the tool call was decided already; nothing changed" }
        : { ok: false, code: "approval.closed", message: "the run no longer waits for this decision (it timed out or the run ended)" };
    }
    if (approval.owner === null) {
      return { ok: false, code: "approval.unclaimed", message: "nothing waits for this decision here: pass it back to the agent call that asked (decisions)" };
    }
    const taken = this.#threads.approvals.decide(threadId, d.approvalId, d, this.#clock.now());
    if (taken.ok) {
      this.#hub.events.approvalChanged(taken.approval);
      await this.#approvalsChanged();
      return taken;
    }
    return taken.refused === "already_decided"
      ? { ok: false, code: "approval.already_decided", message: "the tool call was decided already; nothing changed" }
      : { ok: false, code: "approval.closed", message: `the approval is ${taken.refused}; nothing changed` };
  }

  /**
   * Goes on with a chat answer whose tool calls are all decided (by the chat, the API, or their
   * expiry): the approved ones run, the model is told about the rest, and the answer streams on. Called
   * by the chat request that decided, or by the thread's alarm (after a decision made elsewhere, a
   * timeout, or a restart that cut an earlier try short).
   */
  async continueAnswer(answerId: string, requester: Requester = null): Promise<void> {
    const threadId = this.#threads.threadId();
    if (threadId === undefined || this.#continuing.has(answerId) || this.#hub.streams.ofAnswer(answerId) !== undefined) {
      if (requester !== null) this.#hub.awaitAnswer(requester.ws, requester.requestId, answerId);
      return;
    }
    const approvals = this.#threads.approvals.forAnswer(threadId, answerId).filter((a) => a.owner === "thread" && a.status !== "canceled");
    if (approvals.length === 0 || approvals.some((a) => a.status === "pending")) {
      if (requester !== null)
        this.#hub.sockets.send(requester.ws, serverFrame.error(requester.requestId, "approval.pending: other tool calls of this answer wait for a decision"));
      return;
    }
    const decisions: ToolDecision[] = approvals
      .filter((a) => a.appliedAt === null)
      .map((a) => ({
        approvalId: a.approvalId,
        approved: a.status === "approved",
        ...(a.reason !== null ? { reason: a.reason } : a.status === "expired" ? { reason: TIMED_OUT_REASON } : {}),
      }));
    this.#continuing.add(answerId);
    try {
      await this.#answer(requester, approvals[0]!.promptMessageId, { answerId, decisions });
    } finally {
      this.#continuing.delete(answerId);
    }
  }

  /** Streams the chat agent's answer to a saved prompt (a new one, or one going on after decisions). */
  async #answer(requester: Requester, promptMessageId: string, opts: { answerId?: string; decisions?: ToolDecision[] }): Promise<void> {
    const threadId = this.#threads.threadId()!;
    const agent = this.#agent();
    // The same prompt is being answered already (a repeated send): follow that answer, do not start another.
    const inFlight = this.#hub.streams.active().find((s) => s.promptMessageId === promptMessageId && s.agentName === agent.name);
    if (inFlight !== undefined) {
      if (requester !== null) this.#hub.attach(requester.ws, requester.requestId, { streamId: inFlight.streamId }, -1);
      return;
    }
    const now = this.#clock.now();
    const streamId = newStreamId();
    const answerId = opts.answerId ?? mintId("msg", this.#clock);
    const controller = new AbortController();
    this.#hub.running.set(streamId, { controller, ws: requester?.ws ?? null, requestId: requester?.requestId ?? null });
    const meta = { streamId, producer: "thread" as const, agentName: agent.name, promptMessageId, answerId, runId: null, model: null, provider: null };
    unwrap(await this.#hub.open(meta, now));
    if (requester !== null) {
      this.#hub.sockets.subscribe(requester.ws, requester.requestId, streamId, 0);
      this.#hub.sockets.send(requester.ws, serverFrame.start(requester.requestId));
    }
    try {
      const call = { promptMessageId, streamId, answerId, ...(opts.decisions === undefined ? {} : { decisions: opts.decisions }) };
      const answer = await agent.streamText({ env: this.#env, signal: controller.signal }, { threadId }, call);
      if (answer.result === null) {
        // Answered before (the send was repeated after the answer was saved), or waiting for decisions:
        // the saved answer, no new call.
        const done = await answer.done;
        unwrap(await this.#hub.push({ streamId, from: 0, chunks: replayChunks(done.answerId ?? answerId, done.text) }, this.#clock.now()));
        this.#hub.end({ streamId, outcome: "completed" }, this.#clock.now());
      } else {
        const done = await answer.done.catch(() => null); // the Agent ends the stream with the outcome
        if (done !== null && done.pendingApprovals.length > 0)
          await this.#waitForDecisions(
            done.pendingApprovals.map((p) => p.approvalId),
            agent,
          );
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

  /** The chat's answer stopped for approvals: the thread waits for them, until they expire. */
  async #waitForDecisions(approvalIds: string[], agent: Agent): Promise<void> {
    const expiresAt = this.#clock.now() + (agent.approvals?.expiresIn ?? DEFAULT_APPROVAL_EXPIRY_MS);
    const threadId = this.#threads.threadId()!;
    for (const approvalId of approvalIds) {
      this.#threads.approvals.claim({ approvalId, owner: "thread", runId: null, signal: null, requestSeq: null, expiresAt });
      const a = this.#threads.approvals.get(threadId, approvalId);
      if (a !== undefined) this.#hub.events.approvalChanged(a);
    }
    await this.#approvalsChanged();
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

function toDecision(d: ClientDecision): ToolDecision {
  return { approvalId: d.approvalId, approved: d.approved, ...(d.reason === undefined ? {} : { reason: d.reason }) };
}

function describe(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  return { code: typeof e?.code === "string" ? e.code : "agent.failed", message: typeof e?.message === "string" ? e.message : String(err) };
}
