// The thread page: the saved history, the composer, live answers over ChatConnection, and the thread's
// event socket (to follow answers this page did not ask for, such as a workflow's agent step).
import type { UIMessageChunk } from "ai";
import * as z from "zod/mini";
import { api, loadMessages, mintTicket } from "./api.ts";
import { ChatConnection, type AnswerHandlers, type ConnectionStatus } from "./connection.ts";
import { el, messageItem, Scroller } from "./history.ts";
import { decidedApprovals, short, visible, type ChatMessage } from "./messages.ts";
import { answerKey, ThreadEvents, type AnswerInfo, type ThreadEvent } from "./thread-events.ts";

/** One answer drawn while it streams: this page's own send (by request id) or a followed one (by stream id). */
interface AnswerView {
  key: string;
  root: HTMLLIElement;
  body: HTMLDivElement;
  extra: HTMLDivElement;
  stop: HTMLButtonElement;
  texts: Map<string, string>;
  tools: Map<string, string>;
  state: "streaming" | "done" | "aborted" | "error";
  requestId: string | null;
  streamId: string | null;
  /** For an own send: the prompt, shown until the history holds it. */
  prompt: HTMLLIElement | null;
  pendingPrompt: string | null;
}

const STATUS_WORDS: Record<ConnectionStatus, string> = { connecting: "Connecting…", online: "Connected", reconnecting: "Reconnecting…" };

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  // SAFETY: the ids are the server-rendered page's (src/ui/pages/chat.tsx), of the element types asked for.
  return e as T;
}

export class ThreadPage {
  readonly #threadId: string;
  readonly #history = byId<HTMLOListElement>("history");
  readonly #live = byId<HTMLOListElement>("live");
  readonly #status = byId<HTMLElement>("connection");
  readonly #scroller = new Scroller(byId("scroll"));
  readonly #conn: ChatConnection;
  #saved: ChatMessage[] = [];
  readonly #views = new Map<string, AnswerView>();
  /** stream id -> live key */
  readonly #followed = new Map<string, string>();
  /** stream id -> the answer, from events */
  readonly #inFlight = new Map<string, AnswerInfo>();
  /** "thread" answers started while an own send has no stream id yet */
  readonly #unclaimed = new Set<string>();
  #reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(threadId: string) {
    this.#threadId = threadId;
    this.#conn = new ChatConnection({
      url: `/api/threads/${encodeURIComponent(threadId)}/ws`,
      ticket: () => mintTicket(threadId),
      chatId: threadId,
      onStatus: (s) => this.#showStatus(s),
    });
    // For trying the recovery by hand in the devtools, and for the tests that drop the connection.
    (window as unknown as { stepwiseChat: ChatConnection }).stepwiseChat = this.#conn;
    const composer = byId<HTMLFormElement>("composer");
    const prompt = byId<HTMLInputElement>("prompt");
    // A tool call waiting for approval: the reader decides it here (the thread goes on with the answer, or sends it to the run).
    this.#history.addEventListener("click", (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>("button[data-decision]");
      const row = button?.closest<HTMLElement>("[data-approval-id]");
      if (button == null || row == null) return;
      this.#decide(row, button.dataset.decision === "approve").catch(report);
    });
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = prompt.value.trim();
      if (text === "") return;
      prompt.value = "";
      this.#send(text);
    });
    this.#scroller.toBottom();
  }

  async start(): Promise<void> {
    await this.#reload();
    new ThreadEvents(this.#threadId, (e) => this.#onEvent(e)).connect();
  }

  #showStatus(s: ConnectionStatus): void {
    this.#status.textContent = STATUS_WORDS[s];
    this.#status.dataset.state = s;
    document.body.dataset.connection = s;
  }

  // ---- history -------------------------------------------------------------------------------

  async #reload(): Promise<void> {
    this.#saved = await loadMessages(this.#threadId);
    this.#renderHistory();
  }

  #reloadSoon(): void {
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => this.#reload().catch(report), 50);
  }

  #renderHistory(): void {
    const streaming = new Set([...this.#inFlight.values()].map((a) => a.promptMessageId));
    const decided = decidedApprovals(this.#saved);
    this.#history.replaceChildren(...visible(this.#saved, streaming).map((m) => messageItem(m, decided)));
    for (const v of this.#views.values()) {
      if (v.pendingPrompt !== null && this.#saved.some((m) => m.role === "user" && m.text === v.pendingPrompt)) v.prompt?.remove();
    }
    this.#scroller.follow();
  }

  // ---- live answers --------------------------------------------------------------------------

  #answerView(key: string, label: string): AnswerView {
    const v: AnswerView = {
      key,
      root: el("li", "msg assistant live"),
      body: el("div", "text"),
      extra: el("div", "tool"),
      stop: el("button", "stop", "Stop"),
      texts: new Map(),
      tools: new Map(),
      state: "streaming",
      requestId: null,
      streamId: null,
      prompt: null,
      pendingPrompt: null,
    };
    v.root.dataset.state = "streaming";
    v.root.setAttribute("aria-busy", "true");
    v.stop.type = "button";
    v.stop.setAttribute("aria-label", `Stop this answer from ${label}`);
    v.stop.addEventListener("click", () => {
      if (v.requestId !== null) this.#conn.abort(v.requestId);
    });
    v.root.append(el("div", "who", label), v.body, v.extra, v.stop);
    this.#live.append(v.root);
    this.#views.set(key, v);
    return v;
  }

  #draw(v: AnswerView): void {
    v.body.textContent = [...v.texts.values()].join("");
    v.extra.textContent = [...v.tools.values()].join("\n");
    v.root.dataset.state = v.state;
    this.#scroller.follow();
  }

  #handlersFor(v: AnswerView): AnswerHandlers {
    return {
      onChunk: (c, streamId) => {
        if (streamId !== null && v.streamId !== streamId) this.#claim(v, streamId);
        this.#apply(v, c);
        this.#draw(v);
      },
      onReset: () => {
        v.texts.clear();
        v.tools.clear();
        this.#draw(v);
      },
      onEnd: () => {
        if (v.state === "streaming") v.state = "done";
        this.#settle(v);
      },
      onNoActive: () => {
        v.state = "done";
        this.#settle(v);
      },
      onError: (text) => {
        v.state = "error";
        v.tools.set("error", text);
        this.#settle(v);
      },
    };
  }

  #apply(v: AnswerView, c: UIMessageChunk): void {
    if (c.type === "text-delta") v.texts.set(c.id, (v.texts.get(c.id) ?? "") + c.delta);
    else if (c.type === "tool-input-available") v.tools.set(c.toolCallId, `→ ${c.toolName}(${short(c.input)})`);
    else if (c.type === "tool-output-available") v.tools.set(`${c.toolCallId}/out`, `← ${short(c.output)}`);
    else if (c.type === "tool-output-error") v.tools.set(`${c.toolCallId}/out`, `← error: ${c.errorText}`);
    else if (c.type === "tool-approval-request") v.tools.set(`${c.toolCallId}/out`, "… waits for approval");
    else if (c.type === "tool-output-denied") v.tools.set(`${c.toolCallId}/out`, "← not approved");
    else if (c.type === "abort") v.state = "aborted";
    else if (c.type === "error") v.tools.set("error", `error: ${c.errorText}`);
  }

  /** An answer ended: draw its last state, then let the history (which now holds it) replace it. */
  #settle(v: AnswerView): void {
    this.#draw(v);
    v.root.removeAttribute("aria-busy");
    v.stop.remove();
    if (v.streamId !== null) {
      this.#followed.delete(v.streamId);
      this.#inFlight.delete(v.streamId);
    }
    if (v.pendingPrompt !== null) v.prompt?.remove();
    this.#reload()
      .then(() => {
        this.#views.delete(v.key);
        v.root.remove();
        for (const id of this.#unclaimed) this.#follow(id);
        this.#unclaimed.clear();
      })
      .catch(report);
  }

  #ownSendWaiting(): boolean {
    return [...this.#views.values()].some((o) => o.requestId !== null && o.streamId === null && o.pendingPrompt !== null);
  }

  /** An own send learned its stream id: answers started meanwhile by others are followed now. */
  #claim(v: AnswerView, streamId: string): void {
    v.streamId = streamId;
    this.#followed.set(streamId, v.key);
    this.#unclaimed.delete(streamId);
    if (!this.#ownSendWaiting()) {
      for (const id of this.#unclaimed) this.#follow(id);
      this.#unclaimed.clear();
    }
  }

  #follow(streamId: string): void {
    if (this.#followed.has(streamId)) return;
    const v = this.#answerView(`s:${streamId}`, this.#inFlight.get(streamId)?.agentName ?? "assistant");
    v.streamId = streamId;
    this.#followed.set(streamId, v.key);
    v.requestId = this.#conn.resume(streamId, this.#handlersFor(v));
    this.#renderHistory();
  }

  #send(text: string): void {
    const prompt = el("li", "msg user pending");
    prompt.dataset.role = "user";
    prompt.append(el("div", "text", text));
    const v = this.#answerView(`r:${crypto.randomUUID()}`, "assistant");
    v.prompt = prompt;
    v.pendingPrompt = text;
    this.#live.insertBefore(prompt, v.root);
    this.#scroller.toBottom();
    v.requestId = this.#conn.send(text, this.#handlersFor(v));
  }

  async #decide(row: HTMLElement, approved: boolean): Promise<void> {
    for (const b of row.querySelectorAll("button")) b.disabled = true;
    try {
      await api("POST", `/api/threads/${this.#threadId}/approvals/${encodeURIComponent(row.dataset.approvalId ?? "")}`, Decided, { approved });
      row.dataset.decided = approved ? "approved" : "denied";
    } catch (err) {
      row.append(el("div", "mark", err instanceof Error ? err.message : String(err)));
    }
  }

  // ---- thread events -------------------------------------------------------------------------

  #onEvent(e: ThreadEvent): void {
    if (e.type === "thread.snapshot") {
      this.#inFlight.clear();
      for (const a of e.answers) this.#inFlight.set(answerKey(a), a);
      for (const a of e.answers) this.#maybeFollow(a);
      this.#reloadSoon();
    } else if (e.type === "answer.started") {
      this.#inFlight.set(answerKey(e.answer), e.answer);
      this.#maybeFollow(e.answer);
      this.#renderHistory();
    } else if (e.type === "answer.ended") {
      this.#inFlight.delete(answerKey(e));
      this.#reloadSoon();
    } else {
      this.#reloadSoon();
    }
  }

  #maybeFollow(a: AnswerInfo): void {
    const key = answerKey(a);
    if (this.#followed.has(key)) return;
    // It may be the answer to this page's own send, whose id is not known yet: wait for that.
    if (a.producer === "thread" && this.#ownSendWaiting()) this.#unclaimed.add(key);
    else this.#follow(key);
  }
}

/** What deciding an approval answers (the rest is the approval, which the page reads from the thread). */
const Decided = z.object({ decided: z.literal(true) });

/** A failure the page recovers from by itself (the next event reloads again): logged, not thrown. */
function report(err: unknown): void {
  console.warn("chat:", err);
}
