// What every console script uses: element lookup and creation, the API with the session's CSRF token,
// the API's problem messages, a confirmation dialog, and a status line.

export function $<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls !== undefined) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function csrf(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="stepwise-csrf"]')?.content ?? "";
}

/** A problem+json answer, as the page shows it: its message, its code, and the failing fields. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ProblemBody {
  code?: string;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** Calls the API with the session cookie; a change carries the CSRF token. A refusal throws an ApiProblem. */
export async function api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-stepwise-csrf"] = csrf();
  if (body !== undefined) headers["content-type"] = "application/json";
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  if (res.status === 401) {
    location.assign(`/console/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiProblem(401, "auth.session_expired", "signed out");
  }
  const text = await res.text();
  const parsed = text === "" ? null : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const p = (parsed ?? {}) as ProblemBody;
    const fields = (p.errors ?? []).map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new ApiProblem(res.status, p.code ?? `http.${res.status}`, `${p.detail ?? `HTTP ${res.status}`}${fields ? ` (${fields})` : ""}`);
  }
  return parsed as T;
}

/** Asks before an action; resolves true only on Confirm. Uses the page's <dialog id="confirm">. */
export function confirmAction(text: string): Promise<boolean> {
  const dialog = $<HTMLDialogElement>("confirm");
  if (dialog === null) return Promise.resolve(window.confirm(text));
  $("confirm-text")!.textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    $("confirm-ok")?.focus();
  });
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
/** A short status line at the bottom of the page (also read out by screen readers). */
export function toast(text: string): void {
  const t = $("toast");
  if (t === null) return;
  t.textContent = text;
  t.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove("shown"), 4000);
}

/** Shows a problem in the page's alert line (or hides it with null). */
export function showProblem(target: HTMLElement | null, err: unknown): void {
  if (target === null) return;
  if (err === null) {
    target.hidden = true;
    target.textContent = "";
    return;
  }
  target.hidden = false;
  target.textContent = err instanceof ApiProblem ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err);
}
