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

export function messageItem(m: ChatMessage): HTMLLIElement {
  const v = viewOf(m);
  const li = el("li", `msg ${m.role}`);
  li.dataset.messageId = m.id;
  li.dataset.role = m.role;
  if (v.who !== null) li.append(el("div", "who", v.who));
  for (const line of v.lines) li.append(el("div", line.kind, line.text));
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
