// The thread's saved messages in the page: the list the server rendered, redrawn from the API whenever
// the thread saves something; the same markup as src/ui/pages/chat.tsx (both draw from messages.ts).
import { viewOf, type ChatMessage } from "./messages.ts";

/** An element with a class and text: the page's only way of making markup (no innerHTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls !== undefined) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `decided`: approvals already decided; a call still waiting gets Approve and Deny buttons (the page handles their clicks). */
export function messageItem(m: ChatMessage, decided: ReadonlySet<string> = new Set()): HTMLLIElement {
  const v = viewOf(m);
  const li = el("li", `msg ${m.role}`);
  li.dataset.messageId = m.id;
  li.dataset.role = m.role;
  if (v.who !== null) li.append(el("div", "who", v.who));
  for (const line of v.lines) {
    const row = el("div", line.kind, line.text);
    if (line.approvalId !== undefined && !decided.has(line.approvalId)) {
      row.dataset.approvalId = line.approvalId;
      for (const [decision, label] of [
        ["approve", "Approve"],
        ["deny", "Deny"],
      ] as const) {
        const b = el("button", `decide ${decision}`, label);
        b.type = "button";
        b.dataset.decision = decision;
        b.setAttribute("aria-label", `${label} this tool call`);
        row.append(" ", b);
      }
    }
    li.append(row);
  }
  if (v.mark !== null) {
    li.dataset.mark = v.mark.kind;
    li.append(el("div", "mark", v.mark.text));
  }
  if (v.usage !== null) li.append(el("div", "usage", v.usage));
  return li;
}

/** Keeps the newest line in view while the reader is at the bottom; leaves them be when they scrolled up. */
export class Scroller {
  readonly #box: HTMLElement;
  #stuck = true;

  constructor(box: HTMLElement) {
    this.#box = box;
    box.addEventListener("scroll", () => {
      this.#stuck = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    });
  }

  follow(): void {
    if (this.#stuck) this.#box.scrollTop = this.#box.scrollHeight;
  }

  toBottom(): void {
    this.#stuck = true;
    this.#box.scrollTop = this.#box.scrollHeight;
  }
}
