// The chat page's HTML, rendered on the server with the thread id in it (no data: history comes from
// the API with the token the page holds). Its script is /chat/assets/app.js; no framework, no build.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * The page for one thread, or (threadId null) the lobby that creates a thread.
 * @example
 * return c.html(chatPage({ threadId: "thread_0123…" }));
 */
export function chatPage(opts: { threadId: string | null }): string {
  const id = opts.threadId === null ? "" : escapeHtml(opts.threadId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stepwise chat${id ? ` · ${id}` : ""}</title>
<link rel="stylesheet" href="/chat/assets/chat.css">
<script type="module" src="/chat/assets/app.js"></script>
</head>
<body data-thread-id="${id}">
<header><h1>Stepwise chat</h1>${id ? `<code>${id}</code>` : ""}<span id="status"></span></header>
<div class="panel" id="token-form-panel">
  <form id="token-form" hidden>
    <label for="token-input">API token (kept in this tab only, in sessionStorage)</label>
    <input id="token-input" type="password" autocomplete="off" required>
    <button type="submit">Use token</button>
    <div class="note" id="token-note"></div>
  </form>
  <div id="lobby" hidden><button id="new-thread" type="button">Start a new thread</button></div>
</div>
<div id="chat" hidden>
  <div id="scroll"><ol id="history"></ol><ol id="live"></ol></div>
  <form id="composer"><input id="prompt" type="text" placeholder="Message" autocomplete="off" aria-label="Message"><button type="submit">Send</button></form>
</div>
</body>
</html>`;
}
