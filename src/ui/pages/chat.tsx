// The chat's pages, server-rendered: the start screen (/chat: recent threads and "Start a new thread")
// and a thread (/chat/:threadId: its history, the composer pinned to the bottom). chat.js makes them live.
import type { FC } from "hono/jsx";
import { Time } from "../components.tsx";
import { Layout } from "../layout.tsx";
import { viewOf, type ChatMessage } from "../browser/chat/messages.ts";

export interface ThreadRowData {
  threadId: string;
  title: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The thread list's state: the threads, or why there are none to show. */
export type ThreadList = { kind: "threads"; threads: ThreadRowData[] } | { kind: "problem"; message: string };

const ChatHead: FC = () => (
  <>
    <link rel="stylesheet" href="/assets/chat.css" />
    <script type="module" src="/assets/chat.js" />
  </>
);

export const MessageItem: FC<{ message: ChatMessage }> = ({ message }) => {
  const v = viewOf(message);
  return (
    <li class={`msg ${message.role}`} data-message-id={message.id} data-role={message.role} data-mark={v.mark?.kind}>
      {v.who === null ? null : <div class="who">{v.who}</div>}
      {v.lines.map((l) => (
        <div class={l.kind}>{l.text}</div>
      ))}
      {v.mark === null ? null : <div class="mark">{v.mark.text}</div>}
      {v.usage === null ? null : <div class="usage">{v.usage}</div>}
    </li>
  );
};

export const ThreadRow: FC<{ thread: ThreadRowData }> = ({ thread }) => (
  <li data-thread-id={thread.threadId}>
    <a href={`/chat/${encodeURIComponent(thread.threadId)}`}>{thread.title ?? "Untitled thread"}</a>
    <span class="thread-meta">
      <Time at={thread.updatedAt} /> · <code>{thread.threadId}</code>
    </span>
  </li>
);

export const ChatStartPage: FC<{ csrf: string; list: ThreadList }> = ({ csrf, list }) => (
  <Layout title="Chat" page="chat-start" section="chat" csrf={csrf} head={<ChatHead />}>
    <div id="chat" class="chat-start">
      <div class="chat-start-head">
        <h1>Chat</h1>
        <p class="lead">Talk to an agent. Answers stream live, are saved in the thread, and survive reloads and dropped connections.</p>
        {/* Enabled by chat.js: creating a thread is a POST with the page's CSRF token. */}
        <button type="button" id="new-thread" class="primary" disabled>
          Start a new thread
        </button>
        <p id="new-thread-note" class="note" role="status" aria-live="polite" />
      </div>
      <section aria-labelledby="recent-threads">
        <h2 id="recent-threads">Recent threads</h2>
        {list.kind === "problem" ? (
          <p class="problem" role="alert">
            {list.message}
          </p>
        ) : list.threads.length === 0 ? (
          <p class="muted" id="no-threads">
            No threads yet.
          </p>
        ) : (
          <ul class="thread-list" id="threads">
            {list.threads.map((t) => (
              <ThreadRow thread={t} />
            ))}
          </ul>
        )}
      </section>
    </div>
  </Layout>
);

export const ChatThreadPage: FC<{ csrf: string; threadId: string; title: string | null; messages: ChatMessage[] }> = (props) => (
  <Layout title={props.title ?? "Chat"} page="chat-thread" section="chat" csrf={props.csrf} head={<ChatHead />}>
    <div id="chat" class="chat-thread" data-thread-id={props.threadId}>
      <div class="chat-bar">
        <a href="/chat" class="back">
          <span aria-hidden="true">←</span> All threads
        </a>
        <h1>{props.title ?? "Chat"}</h1>
        <code class="thread-id">{props.threadId}</code>
        <span id="connection" class="connection" role="status" aria-live="polite" data-state="offline">
          Not connected
        </span>
      </div>
      <section id="scroll" aria-label="Messages" tabindex={0}>
        <ol id="history">
          {props.messages.map((m) => (
            <MessageItem message={m} />
          ))}
        </ol>
        <ol id="live" aria-live="polite" />
        {/* Hidden by chat.css once the thread holds a message. */}
        <p class="empty muted" id="empty">
          No messages yet. Say something below.
        </p>
      </section>
      <form id="composer" aria-label="Send a message">
        <label for="prompt" class="visually-hidden">
          Message
        </label>
        <input id="prompt" name="prompt" type="text" placeholder="Message" autocomplete="off" required />
        <button type="submit" class="primary">
          Send
        </button>
      </form>
    </div>
  </Layout>
);

/** A thread the page cannot show: none by that id (404), or the API's problem. */
export const ChatProblemPage: FC<{ csrf: string; title: string; message: string }> = ({ csrf, title, message }) => (
  <Layout title={title} page="chat-problem" section="chat" csrf={csrf}>
    <h1>{title}</h1>
    <p class="problem" role="alert">
      {message}
    </p>
    <p>
      <a href="/chat">All threads</a>
    </p>
  </Layout>
);
