// The thread list at /console/threads: newest first, filter by user id, cursor pages; each thread opens
// in the chat page (its messages, tool calls, usage and live answers).
import type { FC } from "hono/jsx";
import { Time } from "../components.tsx";
import { Layout } from "../layout.tsx";

export interface ThreadRow {
  threadId: string;
  userId: string;
  title: string | null;
  createdAt: number;
  updatedAt: number;
}

export const ThreadsPage: FC<{ csrf: string; threads: ThreadRow[]; nextCursor: string | null; userId: string | undefined }> = (props) => (
  <Layout title="Threads" page="threads" section="threads" csrf={props.csrf}>
    <h1>Threads</h1>
    <form method="get" action="/console/threads" class="filters">
      <label>
        User id
        <input name="userId" type="search" value={props.userId ?? ""} autocomplete="off" />
      </label>
      <button type="submit">Filter</button>
      {props.userId ? <a href="/console/threads">Clear</a> : null}
    </form>
    <table id="threads">
      <thead>
        <tr>
          <th scope="col">Thread</th>
          <th scope="col">Title</th>
          <th scope="col">User</th>
          <th scope="col">Created</th>
          <th scope="col">Last activity</th>
        </tr>
      </thead>
      <tbody>
        {props.threads.map((t) => (
          <tr data-thread-id={t.threadId}>
            <td>
              <a href={`/chat/${encodeURIComponent(t.threadId)}`}>
                <code>{t.threadId}</code>
              </a>
            </td>
            <td>{t.title ?? <span class="muted">untitled</span>}</td>
            <td>
              <a href={`/console/threads?userId=${encodeURIComponent(t.userId)}`}>{t.userId}</a>
            </td>
            <td>
              <Time at={t.createdAt} />
            </td>
            <td>
              <Time at={t.updatedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {props.threads.length === 0 ? <p class="empty">No threads{props.userId ? " for this user" : " yet"}.</p> : null}
    {props.nextCursor === null ? null : (
      <nav class="pager" aria-label="Pages">
        <a href={`/console/threads?${new URLSearchParams({ ...(props.userId ? { userId: props.userId } : {}), cursor: props.nextCursor })}`} rel="next">
          Next page
        </a>
      </nav>
    )}
  </Layout>
);
