// The chat's script, served as /assets/chat.js: on the start screen (/chat) the "Start a new thread"
// button; on a thread's page (/chat/:threadId) the live chat. The pages read fine without it.
import { createThread, signInUrl } from "./chat/api.ts";
import { ThreadPage } from "./chat/thread-page.ts";

function startScreen(): void {
  const button = document.getElementById("new-thread");
  const note = document.getElementById("new-thread-note");
  if (!(button instanceof HTMLButtonElement)) return;
  button.disabled = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      location.assign(`/chat/${encodeURIComponent(await createThread())}`);
    } catch (err) {
      button.disabled = false;
      if (note !== null) note.textContent = `Could not start a thread: ${err instanceof Error ? err.message : String(err)}`;
    }
  });
}

async function threadScreen(threadId: string): Promise<void> {
  try {
    await new ThreadPage(threadId).start();
  } catch (err) {
    const status = document.getElementById("connection");
    if (status !== null) status.textContent = `Cannot load the thread: ${err instanceof Error ? err.message : String(err)}`;
  }
}

const threadId = document.getElementById("chat")?.dataset.threadId;
if (document.querySelector('meta[name="stepwise-csrf"]') === null) location.assign(signInUrl());
else if (threadId) void threadScreen(threadId);
else startScreen();
