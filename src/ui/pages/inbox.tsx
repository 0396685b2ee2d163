// The inbox at /console/inbox: every run waiting on an approval or any signal, oldest wait first, with
// its deadline; approvals are decided and signals answered from the row (console.js, each confirmed).
import type { FC } from "hono/jsx";
import { ConfirmDialog, Time } from "../components.tsx";
import { Layout } from "../layout.tsx";

export interface InboxWait {
  runId: string;
  workflow: string;
  runCreatedAt: number;
  seq: number;
  signal: string;
  since: number;
  timeoutAt: number | null;
  label?: string;
}

export const InboxPage: FC<{ csrf: string; waits: InboxWait[]; nextCursor: string | null }> = ({ csrf, waits, nextCursor }) => (
  <Layout title="Inbox" page="inbox" section="inbox" csrf={csrf}>
    <h1>Inbox</h1>
    <p class="muted">Runs waiting for a decision or a signal, the longest waiting first.</p>
    <p class="problem" id="action-problem" role="alert" hidden />
    <table id="inbox">
      <thead>
        <tr>
          <th scope="col">Waiting since</th>
          <th scope="col">Run</th>
          <th scope="col">Workflow</th>
          <th scope="col">For</th>
          <th scope="col">Deadline</th>
          <th scope="col">Decide</th>
        </tr>
      </thead>
      <tbody>
        {waits.map((w) => (
          <tr data-run-id={w.runId} data-seq={w.seq} data-kind={w.label === "approval" ? "approval" : "signal"}>
            <td>
              <Time at={w.since} />
            </td>
            <td>
              <a href={`/console/runs/${encodeURIComponent(w.runId)}`}>
                <code>{w.runId}</code>
              </a>
            </td>
            <td>{w.workflow}</td>
            <td>{w.label === "approval" ? `approval (${w.signal})` : `signal ${w.signal}`}</td>
            <td>{w.timeoutAt === null ? <span class="muted">none</span> : <Time at={w.timeoutAt} />}</td>
            <td>
              {w.label === "approval" ? (
                <form class="inbox-action" data-kind="approval" data-run-id={w.runId} data-seq={w.seq} data-signal={w.signal}>
                  <button type="submit" name="decision" value="approve">
                    Approve
                  </button>{" "}
                  <button type="submit" name="decision" value="reject" class="danger">
                    Reject
                  </button>
                </form>
              ) : (
                <form class="inbox-action" data-kind="signal" data-run-id={w.runId} data-seq={w.seq} data-signal={w.signal}>
                  <label>
                    Payload (JSON)
                    <input name="payload" value="{}" autocomplete="off" />
                  </label>{" "}
                  <button type="submit">Send</button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {waits.length === 0 ? <p class="empty">Nothing is waiting.</p> : null}
    {nextCursor === null ? null : (
      <nav class="pager" aria-label="Pages">
        <a href={`/console/inbox?cursor=${encodeURIComponent(nextCursor)}`} rel="next">
          Next page
        </a>
      </nav>
    )}
    <ConfirmDialog />
  </Layout>
);
