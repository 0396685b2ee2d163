// The chat page's script, served as /chat/assets/app.js: token handling, history, the composer, live
// answers over ChatConnection, and the thread's event socket (to follow answers a workflow produces).
// (No backticks or template literals below: this is the body of a String.raw.)

export const CHAT_APP_JS = String.raw`
import { ChatConnection } from "./transport.js";

const TOKEN_KEY = "stepwise.apiToken";
const threadId = document.body.dataset.threadId || "";
const $ = (id) => document.getElementById(id);

// The token: from the URL fragment once (#token=..., never sent to the server; removed at once),
// else this tab's sessionStorage, else the form.
(function takeTokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  history.replaceState(null, "", location.pathname + location.search);
})();

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function api(path, init) {
  const headers = Object.assign({ authorization: "Bearer " + token() }, init && init.body ? { "content-type": "application/json" } : {});
  return fetch(path, Object.assign({}, init, { headers })).then((res) => {
    if (res.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      showTokenForm("The token was refused.");
      throw new Error("unauthorized");
    }
    return res;
  });
}

function showTokenForm(note) {
  $("token-form").hidden = false;
  $("chat").hidden = true;
  $("token-note").textContent = note || "";
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim());
  $("token-input").value = "";
  start();
});

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function short(value) {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s && s.length > 200 ? s.slice(0, 200) + "…" : s;
}

// ---- history -------------------------------------------------------------------------------

let saved = []; // the thread's messages, as the API returns them
const live = new Map(); // key -> answer view (own sends by request id, followed answers by stream id)
const followed = new Map(); // stream id -> live key
const answersInFlight = new Map(); // stream id -> answer info from events
const unclaimed = new Set(); // "thread" answers started while an own send has no stream id yet

async function loadHistory() {
  if (!threadId) return;
  const all = [];
  let cursor = null;
  do {
    const res = await api("/api/threads/" + threadId + "/messages?limit=100" + (cursor ? "&cursor=" + cursor : ""));
    if (!res.ok) throw new Error("messages: HTTP " + res.status);
    const page = await res.json();
    all.push(...page.messages);
    cursor = page.nextCursor;
  } while (cursor);
  saved = all;
  renderHistory();
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadHistory().catch((e) => console.error(e)), 50);
}

function renderHistory() {
  const hidden = new Set([...answersInFlight.values()].map((a) => a.promptMessageId));
  const list = $("history");
  list.replaceChildren();
  for (const m of saved) {
    // Steps of an answer still streaming show in its live bubble, not twice.
    if (m.role !== "user" && m.promptMessageId && hidden.has(m.promptMessageId)) continue;
    list.append(messageView(m));
  }
  for (const v of live.values()) if (v.pendingPrompt && saved.some((m) => m.role === "user" && m.text === v.pendingPrompt)) v.prompt.remove();
  $("scroll").scrollTop = $("scroll").scrollHeight;
}

function messageView(m) {
  const li = el("li", "msg " + m.role);
  li.dataset.messageId = m.id;
  li.dataset.role = m.role;
  if (m.agentName && m.role !== "user") li.append(el("div", "who", m.agentName));
  const parts = Array.isArray(m.message.content) ? m.message.content : [{ type: "text", text: m.message.content }];
  for (const p of parts) {
    if (p.type === "text" && p.text) li.append(el("div", "text", p.text));
    else if (p.type === "tool-call") li.append(el("div", "tool", "→ " + p.toolName + "(" + short(p.input) + ")"));
    else if (p.type === "tool-result") li.append(el("div", "tool", "← " + p.toolName + ": " + short(p.output && "value" in p.output ? p.output.value : p.output)));
  }
  const mark = m.finishReason === "aborted" ? "stopped" : m.error && m.error.code === "answer.incomplete" ? "incomplete" : m.status === "failed" ? "failed" : "";
  if (mark) {
    li.dataset.mark = mark;
    li.append(el("div", "mark", mark + (m.error ? ": " + m.error.message : "")));
  }
  return li;
}

// ---- live answers --------------------------------------------------------------------------

function answerView(key, label) {
  const v = { key, texts: new Map(), tools: new Map(), root: el("li", "msg assistant live"), body: el("div", "text"), extra: el("div", "tool"), state: "streaming" };
  v.root.dataset.state = "streaming";
  v.root.append(el("div", "who", label || "assistant"), v.body, v.extra);
  const stop = el("button", "stop", "Stop");
  stop.type = "button";
  stop.addEventListener("click", () => {
    if (v.requestId) conn.abort(v.requestId);
  });
  v.stop = stop;
  v.root.append(stop);
  $("live").append(v.root);
  live.set(key, v);
  return v;
}

function draw(v) {
  v.body.textContent = [...v.texts.values()].join("");
  v.extra.textContent = [...v.tools.values()].join("\n");
  v.root.dataset.state = v.state;
  $("scroll").scrollTop = $("scroll").scrollHeight;
}

function handlersFor(v) {
  return {
    onRequestId(id) {
      v.requestId = id;
    },
    onReset() {
      v.texts.clear();
      v.tools.clear();
      draw(v);
    },
    onChunk(c, seq, streamId) {
      if (streamId && v.streamId !== streamId) claim(v, streamId);
      if (c.type === "text-delta") v.texts.set(c.id, (v.texts.get(c.id) || "") + c.delta);
      else if (c.type === "tool-input-available") v.tools.set(c.toolCallId, "→ " + c.toolName + "(" + short(c.input) + ")");
      else if (c.type === "tool-output-available") v.tools.set(c.toolCallId + "/out", "← " + short(c.output));
      else if (c.type === "tool-output-error") v.tools.set(c.toolCallId + "/out", "← error: " + c.errorText);
      else if (c.type === "abort") v.state = "aborted";
      else if (c.type === "error") v.tools.set("error", "error: " + c.errorText);
      draw(v);
    },
    onEnd() {
      if (v.state === "streaming") v.state = "done";
      settle(v);
    },
    onNoActive() {
      v.state = "done";
      settle(v);
    },
    onError(text) {
      v.state = "error";
      v.tools.set("error", text);
      settle(v);
    },
  };
}

/** An answer ended: draw its last state, then let the history (which now holds it) replace it. */
function settle(v) {
  draw(v);
  v.stop.remove();
  if (v.streamId) {
    followed.delete(v.streamId);
    answersInFlight.delete(v.streamId);
  }
  if (v.pendingPrompt) v.prompt.remove();
  loadHistory()
    .then(() => {
      live.delete(v.key);
      v.root.remove();
      for (const id of unclaimed) follow(id);
      unclaimed.clear();
    })
    .catch((e) => console.error(e));
}

/** An own send learned its stream id: answers started meanwhile by others are followed now. */
function claim(v, streamId) {
  v.streamId = streamId;
  followed.set(streamId, v.key);
  unclaimed.delete(streamId);
  if (![...live.values()].some((o) => o.requestId && !o.streamId && o.pendingPrompt)) {
    for (const id of unclaimed) follow(id);
    unclaimed.clear();
  }
}

function follow(streamId) {
  if (followed.has(streamId)) return;
  const info = answersInFlight.get(streamId);
  const v = answerView("s:" + streamId, info ? info.agentName : "assistant");
  v.streamId = streamId;
  followed.set(streamId, v.key);
  v.requestId = conn.resume(streamId, handlersFor(v));
  renderHistory();
}

function sendPrompt(text) {
  const key = "r:" + Math.random().toString(36).slice(2);
  const prompt = el("li", "msg user pending");
  prompt.append(el("div", "text", text));
  $("live").append(prompt);
  const v = answerView(key, "assistant");
  v.prompt = prompt;
  v.pendingPrompt = text;
  $("live").insertBefore(prompt, v.root);
  v.requestId = conn.send(text, handlersFor(v));
}

// ---- thread events -------------------------------------------------------------------------

function onEvent(e) {
  if (e.type === "thread.snapshot") {
    answersInFlight.clear();
    for (const a of e.answers) answersInFlight.set(a.streamId, a);
    for (const a of e.answers) maybeFollow(a);
    reloadSoon();
  } else if (e.type === "answer.started") {
    answersInFlight.set(e.answer.streamId, e.answer);
    maybeFollow(e.answer);
    renderHistory();
  } else if (e.type === "answer.ended") {
    answersInFlight.delete(e.streamId);
    reloadSoon();
  } else if (e.type === "messages.saved") {
    reloadSoon();
  }
}

function maybeFollow(a) {
  if (followed.has(a.streamId)) return;
  // It may be the answer to this page's own send, whose stream id is not known yet: wait for that.
  const ownWaiting = [...live.values()].some((v) => v.requestId && !v.streamId && v.pendingPrompt);
  if (a.producer === "thread" && ownWaiting) unclaimed.add(a.streamId);
  else follow(a.streamId);
}

function connectEvents(retry) {
  mintTicket()
    .then((ticket) => {
      const url = new URL("/api/threads/" + threadId + "/events", location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("ticket", ticket);
      const ws = new WebSocket(url);
      ws.onopen = () => (retry = 0);
      ws.onmessage = (m) => onEvent(JSON.parse(m.data));
      ws.onclose = () => setTimeout(() => connectEvents(retry + 1), Math.min(10000, 250 * 2 ** retry));
    })
    .catch(() => setTimeout(() => connectEvents(retry + 1), Math.min(10000, 250 * 2 ** retry)));
}

async function mintTicket() {
  const res = await api("/api/threads/" + threadId + "/ws-ticket", { method: "POST" });
  if (!res.ok) throw new Error("ws-ticket: HTTP " + res.status);
  return (await res.json()).ticket;
}

// ---- start ---------------------------------------------------------------------------------

let conn = null;

async function start() {
  if (!token()) return showTokenForm();
  $("token-form").hidden = true;
  if (!threadId) return startLobby();
  $("chat").hidden = false;
  try {
    await loadHistory();
  } catch (e) {
    $("status").textContent = "cannot load the thread: " + e.message;
    return;
  }
  conn = new ChatConnection({
    url: "/api/threads/" + threadId + "/ws",
    params: async () => ({ ticket: await mintTicket() }),
    chatId: threadId,
    onStatus: (s) => {
      $("status").textContent = s;
      document.body.dataset.connection = s;
    },
  });
  window.stepwiseChat = conn; // for debugging (and tests that drop the connection)
  connectEvents(0);
}

function startLobby() {
  $("lobby").hidden = false;
  $("new-thread").addEventListener("click", async () => {
    const res = await api("/api/threads", { method: "POST", body: JSON.stringify({ userId: "web", title: "Chat" }) });
    const t = await res.json();
    location.assign("/chat/" + t.threadId);
  });
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("prompt").value.trim();
  if (!text || !conn) return;
  $("prompt").value = "";
  sendPrompt(text);
});

start();
`;
