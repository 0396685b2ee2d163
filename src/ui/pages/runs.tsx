// The run list at /console: newest first, filters by workflow and status, search by run id, counts per
// status and workflow, cursor pages. console.js keeps it live from the run index's socket.
import type { FC } from "hono/jsx";
import { describeWait, Duration, StatusBadge, Time } from "../components.tsx";
import { ENDED_STATUSES, type RunRowData, STATUSES } from "../shared/format.ts";
import { Layout } from "../layout.tsx";

export interface RunFilters {
  workflow?: string | undefined;
  status?: string | undefined;
  q?: string | undefined;
}

export const RunRow: FC<{ run: RunRowData; now: number }> = ({ run, now }) => (
  <tr data-run-id={run.runId} data-status={run.status} data-workflow={run.workflow}>
    <td>
      <a href={`/console/runs/${encodeURIComponent(run.runId)}`}>
        <code>{run.runId}</code>
      </a>
    </td>
    <td>{run.workflow}</td>
    <td>
      <StatusBadge status={run.status} />
    </td>
    <td>
      <Time at={run.createdAt} />
    </td>
    <td>
      <Duration from={run.createdAt} to={ENDED_STATUSES.has(run.status) ? (run.completedAt ?? run.updatedAt) : null} now={now} />
    </td>
    <td class="waits">{(run.waitingFor ?? []).map(describeWait).join(", ")}</td>
  </tr>
);

function filterHref(f: RunFilters, cursor?: string): string {
  const p = new URLSearchParams();
  if (f.workflow) p.set("workflow", f.workflow);
  if (f.status) p.set("status", f.status);
  if (f.q) p.set("q", f.q);
  if (cursor) p.set("cursor", cursor);
  const s = p.toString();
  return s === "" ? "/console" : `/console?${s}`;
}

export const RunsPage: FC<{
  csrf: string;
  runs: RunRowData[];
  nextCursor: string | null;
  firstPage: boolean;
  filters: RunFilters;
  workflows: string[];
  counts: { workflow: string; status: string; count: number }[] | null;
  now: number;
}> = ({ csrf, runs, nextCursor, firstPage, filters, workflows, counts, now }) => {
  const byStatus = new Map<string, number>();
  const byWorkflow = new Map<string, number>();
  for (const c of counts ?? []) {
    byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.count);
    byWorkflow.set(c.workflow, (byWorkflow.get(c.workflow) ?? 0) + c.count);
  }
  return (
    <Layout title="Runs" page="runs" section="runs" csrf={csrf}>
      <h1>Runs</h1>
      {counts === null ? null : (
        <section class="counts" id="counts" aria-label="Counts">
          <ul class="chips" id="status-counts" aria-label="Runs per status">
            {STATUSES.filter((s) => byStatus.has(s)).map((s) => (
              <li>
                <a class="chip" href={filterHref({ ...filters, status: s })} data-count-status={s}>
                  <StatusBadge status={s} /> <b>{byStatus.get(s)}</b>
                </a>
              </li>
            ))}
          </ul>
          <ul class="chips" id="workflow-counts" aria-label="Runs per workflow">
            {[...byWorkflow].map(([w, n]) => (
              <li>
                <a class="chip" href={filterHref({ ...filters, workflow: w })} data-count-workflow={w}>
                  {w} <b>{n}</b>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <form method="get" action="/console" class="filters" id="run-filters">
        <label>
          Workflow
          <select name="workflow" id="filter-workflow">
            <option value="">any</option>
            {workflows.map((w) => (
              <option value={w} selected={w === filters.workflow}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" id="filter-status">
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s} selected={s === filters.status}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Run id starts with
          <input name="q" id="filter-q" type="search" value={filters.q ?? ""} autocomplete="off" />
        </label>
        <button type="submit">Filter</button>
        {filters.workflow || filters.status || filters.q ? <a href="/console">Clear</a> : null}
        <span class="live-state" id="live-state" aria-live="polite" />
      </form>
      <table class="runs" id="runs" data-first-page={firstPage ? "true" : "false"}>
        <caption class="sr-only">Runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Waiting for</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <RunRow run={r} now={now} />
          ))}
        </tbody>
      </table>
      {runs.length === 0 ? (
        <p class="empty" id="no-runs">
          No runs{filters.workflow || filters.status || filters.q ? " match these filters" : " yet"}.
        </p>
      ) : null}
      <nav class="pager" aria-label="Pages">
        {firstPage ? null : <a href={filterHref(filters)}>First page</a>}
        {nextCursor === null ? null : (
          <a href={filterHref(filters, nextCursor)} rel="next" id="next-page">
            Next page
          </a>
        )}
      </nav>
    </Layout>
  );
};
