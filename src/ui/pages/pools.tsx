// The pools page at /console/pools: each Workpool's queue, jobs in flight against its maxParallelism and
// its recent failures; and the ActionRetrier runs in flight.
import type { FC } from "hono/jsx";
import { Time } from "../components.tsx";
import { Layout } from "../layout.tsx";

export interface PoolView {
  name: string;
  maxParallelism: number;
  queued: number;
  inFlight: number;
  recentFailures: { jobId: string; action: string; error: { code: string; message: string }; at: number }[];
}

export interface RetrierRun {
  runId: string;
  action: string;
  status: string;
  attempt: number;
  maxAttempts: number;
  startedAt: number;
  nextAttemptAt: number | null;
}

export const PoolsPage: FC<{ csrf: string; pools: PoolView[]; retriers: RetrierRun[] | null; problem: string | null }> = (props) => (
  <Layout title="Pools" page="pools" section="pools" csrf={props.csrf}>
    <h1>Pools</h1>
    {props.problem === null ? null : (
      <p class="problem" role="alert">
        {props.problem}
      </p>
    )}
    <table id="pools">
      <thead>
        <tr>
          <th scope="col">Pool</th>
          <th scope="col">Queued</th>
          <th scope="col">In flight</th>
          <th scope="col">Max parallelism</th>
          <th scope="col">Recent failures</th>
        </tr>
      </thead>
      <tbody>
        {props.pools.map((p) => (
          <tr data-pool={p.name}>
            <td>
              <code>{p.name}</code>
            </td>
            <td data-queued={p.queued}>{p.queued}</td>
            <td data-in-flight={p.inFlight}>{p.inFlight}</td>
            <td>{p.maxParallelism}</td>
            <td>
              {p.recentFailures.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <ul class="plain">
                  {p.recentFailures.map((f) => (
                    <li>
                      <Time at={f.at} /> <code>{f.action}</code> <span class="error">{f.error.code}</span> {f.error.message}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {props.pools.length === 0 ? <p class="empty">No pool has been used yet.</p> : null}
    <h2>Retried actions in flight</h2>
    {props.retriers === null ? null : props.retriers.length === 0 ? (
      <p class="empty">None.</p>
    ) : (
      <table id="retriers">
        <thead>
          <tr>
            <th scope="col">Action run</th>
            <th scope="col">Action</th>
            <th scope="col">Attempt</th>
            <th scope="col">Started</th>
            <th scope="col">Next attempt</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {props.retriers.map((r) => (
            <tr data-action-run={r.runId}>
              <td>
                <code>{r.runId}</code>
              </td>
              <td>{r.action}</td>
              <td>{`${r.attempt} of ${r.maxAttempts}`}</td>
              <td>
                <Time at={r.startedAt} />
              </td>
              <td>{r.nextAttemptAt ? <Time at={r.nextAttemptAt} /> : <span class="muted">—</span>}</td>
              <td>{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Layout>
);
