// The thread Durable Object: one per conversation, holding its messages in order. A thin RPC dispatcher
// over ThreadStore (messages, retention), StreamHub (answers in flight, sockets, events) and
// ThreadIndexOutbox (its entry in the thread index).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { UIMessage } from "ai";
import { type Clock, fail, issueDetails, log, loggedError, objectClock, ok, type RpcResult, systemClock } from "../../kernel/index.ts";
import type { ToolApproval } from "../core/approval.ts";
import { toUIMessages } from "../core/ui-messages.ts";
import type { StoredApproval } from "./approval-store.ts";
import type { Agent } from "../agent.ts";
import type { MessageRecord, ThreadInfo } from "../core/message.ts";
import { decideThreadAlarm, retentionMs } from "../core/thread-retention.ts";
import { defaultChatAgent } from "../streaming/chat-agent.ts";
import { ChatRequests } from "../streaming/durable/chat-requests.ts";
import { StreamHub } from "../streaming/durable/stream-hub.ts";
import type { EndStreamInput, OpenStreamInput, PushChunksInput } from "../streaming/stream-rpc.ts";
import { alarmBy } from "./thread-alarm.ts";
import { INDEX_RETRY_MS, ThreadIndexOutbox } from "./thread-index-outbox.ts";
import {
  AppendInput,
  ClaimApprovalInput,
  ContextInput,
  CreateThreadInput,
  DecideApprovalInput,
  ListApprovalsInput,
  PageInput,
  type ApprovalRpc,
  type DecideApprovalResult,
  type MessagePage,
  type PromptContext,
  type ThreadObjectRpc,
} from "./thread-rpc.ts";
import { ThreadStore } from "./thread-store.ts";

/** Which socket the Worker asks for (after checking the ticket): the chat protocol, or thread events. */
const SocketPath = z.enum(["/chat", "/events"]);

export class AgentThread extends DurableObject<Env> implements ThreadObjectRpc, ApprovalRpc {
  readonly #clock: Clock;
  readonly #store: ThreadStore;
  readonly #hub: StreamHub;
  readonly #chat: ChatRequests;
  readonly #index: ThreadIndexOutbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#clock = this[objectClock]();
    this.#store = new ThreadStore(ctx.storage, this.#clock);
    this.#hub = new StreamHub(ctx, this.#store);
    this.#chat = new ChatRequests({
      env,
      threads: this.#store,
      hub: this.#hub,
      agent: () => this.chatAgent(),
      clock: this.#clock,
      approvalsChanged: () => this.#armApprovals(),
    });
    this.#index = new ThreadIndexOutbox({ env, storage: ctx.storage, store: this.#store, clock: this.#clock });
    void ctx.blockConcurrencyWhile(async () => {
      this.#store.open();
      this.#hub.recover(this.#clock.now());
      // A thread with a retention always has its alarm set by its expiry (re-armed here should a
      // failed alarm have been dropped by the runtime).
      const expiresAt = this.#store.expiresAt();
      if (expiresAt !== null) await alarmBy(ctx.storage, expiresAt);
      // A push the index is still owed (one cut short, or a thread made before the index) goes at once.
      if (this.#index.owed()) await alarmBy(ctx.storage, this.#clock.now());
      // Chat answers with decided tool calls whose going on a restart cut short go on from the alarm.
      if (this.#store.threadId() !== undefined) await this.#armApprovals();
    });
  }

  /**
   * The clock the thread reads (tests may override it to move time by hand). Called from the
   * constructor, so an override must not read fields of its own class.
   */
  protected [objectClock](): Clock {
    return systemClock;
  }

  /** The agent that answers `send` frames of chat sockets. Override in a subclass to use your own. */
  protected chatAgent(): Agent {
    return defaultChatAgent();
  }

  async create(input: z.input<typeof CreateThreadInput>): Promise<RpcResult<ThreadInfo>> {
    const parsed = CreateThreadInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const { retentionDays, ...thread } = parsed.data;
    const now = this.#clock.now();
    // A new thread owes the index its entry from the moment it exists. The alarm that pushes it again is
    // set before the row is written, so no crash between the two leaves a thread neither listed nor woken.
    const isNew = this.#store.threadId() === undefined;
    const retryAt = now + INDEX_RETRY_MS;
    if (isNew) await alarmBy(this.ctx.storage, retryAt);
    const info = this.#store.create({ ...thread, retentionMs: retentionDays === null ? null : retentionMs(retentionDays), now });
    if (info.expiresAt !== null) await alarmBy(this.ctx.storage, info.expiresAt);
    // Listed before it is answered, unless the push fails (the alarm tries again).
    if ((await this.#index.sync()) && isNew) await this.#releaseIndexAlarm(retryAt);
    return ok(info);
  }

  info(): RpcResult<ThreadInfo> {
    const info = this.#store.info();
    return info === undefined ? notFound() : ok(info);
  }

  append(input: z.input<typeof AppendInput>): RpcResult<MessageRecord[]> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return notFound();
    const parsed = AppendInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const saved = this.#store.append(threadId, parsed.data.messages, parsed.data.idempotencyKey, this.#clock.now());
    this.#hub.messagesSaved();
    // The new updatedAt, pushed without holding up the answer: a failed push arms the alarm, and pushes
    // made meanwhile join this one. (A crash before it lands leaves the entry's updatedAt behind until
    // the thread next wakes.)
    void this.#index.sync();
    return ok(saved);
  }

  page(input: z.input<typeof PageInput>): RpcResult<MessagePage> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return notFound();
    const parsed = PageInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    // One extra row tells whether another page follows.
    const rows = this.#store.page(threadId, parsed.data.after, parsed.data.limit + 1);
    const messages = rows.slice(0, parsed.data.limit);
    return ok({ messages, nextAfter: rows.length > parsed.data.limit ? messages.at(-1)!.order : null });
  }

  /** A saved prompt, the history before it, and what one agent already answered to it. */
  promptContext(input: z.input<typeof ContextInput>): RpcResult<PromptContext> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return notFound();
    const parsed = ContextInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const prompt = this.#store.message(threadId, parsed.data.promptMessageId);
    if (prompt === undefined) return fail("thread.message_not_found", `no message ${parsed.data.promptMessageId} in thread ${threadId}`);
    return ok({
      prompt,
      history: this.#store.recent(threadId, prompt.order, parsed.data.recentMessages),
      responses: this.#store.responses(threadId, prompt.id, parsed.data.agentName),
    });
  }

  /** Marks a message as the end of its answer (for answers stopped by `stopWhen` after tool calls). */
  markFinal(messageId: string): RpcResult<true> {
    if (this.#store.threadId() === undefined) return notFound();
    this.#store.markFinal(z.string().parse(messageId));
    return ok(true);
  }

  /** A workflow's request step: that run waits for the tool call's decision (the chat and the API send it there). */
  async claimApproval(input: z.input<typeof ClaimApprovalInput>): Promise<RpcResult<true>> {
    if (this.#store.threadId() === undefined) return notFound();
    const parsed = ClaimApprovalInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    if (!this.#store.approvals.claim({ ...parsed.data, owner: "run" }))
      return fail("approval.not_found", `no tool approval ${parsed.data.approvalId} in this thread`);
    this.#hub.events.approvalChanged(this.#store.approvals.get(this.#store.threadId()!, parsed.data.approvalId)!);
    return ok(true);
  }

  approvals(input: z.input<typeof ListApprovalsInput>): RpcResult<ToolApproval[]> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return notFound();
    const parsed = ListApprovalsInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return ok(this.#store.approvals.list(threadId, parsed.data).map(publicApproval));
  }

  /** A decision from the API (or a link's page): taken once, where its wait is. The chat's own answer then goes on from the alarm. */
  async decideApproval(input: z.input<typeof DecideApprovalInput>): Promise<RpcResult<DecideApprovalResult>> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return notFound();
    const parsed = DecideApprovalInput.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const outcome = await this.#chat.decide(threadId, parsed.data);
    if (!outcome.ok) return fail(outcome.code, outcome.message);
    return ok({ decided: true, approval: publicApproval(this.#store.approvals.get(threadId, parsed.data.approvalId) ?? outcome.approval) });
  }

  uiMessages(): RpcResult<UIMessage[]> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return notFound();
    return ok(toUIMessages(this.#store.shown(threadId, MAX_UI_MESSAGE_ROWS)));
  }

  /** An answer starts streaming (an Agent call on this thread); see streaming/answer-stream.ts. */
  openStream(input: OpenStreamInput) {
    return this.#hub.open(input, this.#clock.now());
  }

  pushChunks(input: PushChunksInput) {
    return this.#hub.push(input, this.#clock.now());
  }

  endStream(input: EndStreamInput) {
    return this.#hub.end(input, this.#clock.now());
  }

  /** WebSocket upgrades forwarded by the Worker once it checked the ticket: `/chat` or `/events`. */
  override async fetch(request: Request): Promise<Response> {
    const path = SocketPath.safeParse(new URL(request.url).pathname);
    if (!path.success || request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade on /chat or /events", { status: 400 });
    if (this.#store.threadId() === undefined) return Response.json({ code: "thread.not_found", message: "no such thread" }, { status: 404 });
    return path.data === "/chat" ? this.#hub.sockets.accept() : this.#hub.events.accept(this.#hub.snapshot());
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // The events socket is one-way; anything it sends is ignored.
    if (this.#hub.sockets.isChat(ws)) await this.#chat.handle(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.#hub.sockets.drop(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, "closing");
    } catch {
      // Closed already.
    }
  }

  override webSocketError(ws: WebSocket): void {
    this.#hub.sockets.drop(ws);
  }

  /**
   * The thread's one alarm: a push the index is owed, the watchdog of answers in flight, then the
   * thread's expiry. An expired thread is deleted once nothing is in flight; otherwise the alarm is set
   * again for all three.
   */
  override async alarm(): Promise<void> {
    const indexed = await this.#index.sync();
    await this.#goOnWithDecisions();
    const now = this.#clock.now();
    const decision = decideThreadAlarm({
      now,
      expiresAt: this.#store.expiresAt(),
      watchdogAt: this.#hub.watchdog(now),
      indexAt: indexed ? null : now + INDEX_RETRY_MS,
      approvalAt: this.#store.threadId() === undefined ? null : this.#store.approvals.nextExpiry(),
    });
    if (decision.kind === "arm") await this.ctx.storage.setAlarm(decision.at);
    if (decision.kind === "delete") await this.#delete(now);
  }

  /**
   * The chat's own tool calls that ran out of time are taken as not approved; answers whose calls are
   * all decided go on (one after the other; a failure is the answer's, saved with it).
   */
  async #goOnWithDecisions(): Promise<void> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return;
    const now = this.#clock.now();
    for (const expired of this.#store.approvals.expireDue(now)) this.#hub.events.approvalChanged({ ...expired, status: "expired" });
    for (const answerId of this.#store.approvals.readyToContinue()) {
      try {
        await this.#chat.continueAnswer(answerId);
      } catch (err) {
        log.error("an answer with decided tool calls could not go on", { threadId, answerId, error: loggedError(err) });
      }
    }
  }

  /** The alarm fires when the next of the chat's tool calls runs out of time, or now when an answer can go on. */
  async #armApprovals(): Promise<void> {
    const now = this.#clock.now();
    if (this.#store.approvals.readyToContinue().length > 0) return alarmBy(this.ctx.storage, now);
    const next = this.#store.approvals.nextExpiry();
    if (next !== null) await alarmBy(this.ctx.storage, next);
  }

  /**
   * The end of retention: the index entry is removed, then idle sockets are closed and all storage goes;
   * reads answer thread.not_found. Nothing else runs meanwhile, so no message saved (and pushed) between
   * the removal and the deletion lists the thread again. A removal that fails deletes nothing yet: the
   * alarm tries again.
   */
  async #delete(now: number): Promise<void> {
    const threadId = this.#store.threadId();
    if (threadId === undefined) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      await this.#index.idle(); // a push in flight lands before the removal, not after it
      if (!(await this.#index.remove(threadId))) {
        await alarmBy(this.ctx.storage, now + INDEX_RETRY_MS);
        return;
      }
      for (const ws of this.ctx.getWebSockets()) {
        try {
          ws.close(1000, "the thread was deleted");
        } catch {
          // Closed already.
        }
      }
      await this.#store.deleteEverything();
    });
  }

  /**
   * A new thread's first push landed: the alarm set in case it did not gives way to the one the thread
   * needs otherwise (its expiry, or none), unless something set the alarm since or an answer is in flight
   * (whose watchdog counts on it; the alarm then re-arms for both when it fires).
   */
  async #releaseIndexAlarm(retryAt: number): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== retryAt || this.#hub.streams.active().length > 0) return;
    const expiresAt = this.#store.expiresAt();
    if (expiresAt === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(expiresAt);
  }
}

/** The most messages a UI history reads (a thread longer than this shows its first ones; page /messages for all). */
const MAX_UI_MESSAGE_ROWS = 5_000;

/** An approval as callers see it: where a run waits for it stays inside. */
function publicApproval(a: StoredApproval): ToolApproval {
  const { signal: _signal, requestSeq: _seq, ...rest } = a;
  return rest;
}

function notFound(): RpcResult<never> {
  return fail("thread.not_found", "no such thread");
}

function invalid(error: z.ZodError): RpcResult<never> {
  return fail("thread.invalid_input", "invalid thread request", issueDetails(error));
}
