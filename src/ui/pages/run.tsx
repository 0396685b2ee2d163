// A run's page: what it is and how it ended, its links (parent, restarts, children), the actions an
// operator may take (each confirmed), and the step timeline that console.js draws from the timeline API.
import type { FC } from "hono/jsx";
import { ConfirmDialog, describeWait, Duration, JsonView, StatusBadge, Time } from "../components.tsx";
import { describeUsage } from "../shared/format.ts";
import type { RunView } from "../../engine/index.ts";
import { Layout } from "../layout.tsx";

/** What GET /api/runs/:runId?steps=none answers. */
export type RunPageData = Omit<RunView, "steps">;

const ENDED = new Set(["completed", "failed", "canceled"]);

/** A child run's id is its parent's id, a dot, and the seq of the step that started it. */
function parentOf(runId: string): string | null {
  const m = /^(.+)\.\d+$/.exec(runId);
  return m === null ? null : m[1]!;
}

const RunLink: FC<{ runId: string }> = ({ runId }) => (
  <a href={`/console/runs/${encodeURIComponent(runId)}`}>
    <code>{runId}</code>
  </a>
);

export const RunPage: FC<{ csrf: string; run: RunPageData; now: number }> = ({ csrf, run, now }) => {
  const ended = ENDED.has(run.status);
  const parent = parentOf(run.runId);
  const signals = run.waitingFor.filter((w) => w.kind === "signal");
  const approvals = signals.filter((w) => w.label === "approval");
  return (
    <Layout title={`Run ${run.runId}`} page="run" section="runs" csrf={csrf}>
      <p class="crumbs">
        <a href="/console">Runs</a> / <a href={`/console?workflow=${encodeURIComponent(run.workflow)}`}>{run.workflow}</a>
      </p>
      <h1>
        <code id="run-id">{run.runId}</code> <span id="run-status">{<StatusBadge status={run.status} />}</span>
      </h1>
      <section
        id="run"
        data-run-id={run.runId}
        data-status={run.status}
        data-created={run.createdAt}
        data-ended={ended ? (run.completedAt ?? run.updatedAt) : ""}
      >
        <dl class="facts">
          <dt>Workflow</dt>
          <dd>
            {run.workflow} <span class="muted">version {run.version}</span>
          </dd>
          <dt>Started</dt>
          <dd>
            <Time at={run.createdAt} />
          </dd>
          <dt>{ended ? "Ended" : "Last change"}</dt>
          <dd>
            <Time at={ended ? (run.completedAt ?? run.updatedAt) : run.updatedAt} />
          </dd>
          <dt>Duration</dt>
          <dd>
            <Duration from={run.createdAt} to={ended ? (run.completedAt ?? run.updatedAt) : null} now={now} />
          </dd>
          <dt>Steps</dt>
          <dd id="step-count">{run.stepCount}</dd>
          <dt>Tokens</dt>
          <dd
            id="run-usage"
            title={run.usage.byModel.map((m) => `${m.model} (${m.provider || "provider unknown"}): ${m.inputTokens} in, ${m.outputTokens} out`).join("\n")}
          >
            {describeUsage(run.usage)}
          </dd>
          <dt>Waiting for</dt>
          <dd id="run-waits">{run.waitingFor.length === 0 ? <span class="muted">nothing</span> : run.waitingFor.map(describeWait).join(", ")}</dd>
          {run.queue === undefined ? null : (
            <>
              <dt>In line</dt>
              <dd id="run-queue">
                {run.queue.kind}
                {run.queue.key === "" ? "" : ` "${run.queue.key}"`}:{" "}
                {run.queue.kind === "debounce"
                  ? run.queue.dueAt === null
                    ? "starting"
                    : "starts when its burst is quiet"
                  : run.queue.position === null
                    ? "place unknown"
                    : run.queue.position === 0
                      ? "next"
                      : `${run.queue.position} ahead`}
                , since <Time at={run.queue.since} />
              </dd>
            </>
          )}
          {run.pausedAt === null ? null : (
            <>
              <dt>Paused</dt>
              <dd>
                <Time at={run.pausedAt} />
              </dd>
            </>
          )}
          {parent === null ? null : (
            <>
              <dt>Parent</dt>
              <dd>
                <RunLink runId={parent} />
              </dd>
            </>
          )}
          {run.restartOf === undefined ? null : (
            <>
              <dt>Restart of</dt>
              <dd>
                <RunLink runId={run.restartOf} />
              </dd>
            </>
          )}
          {run.restartedAs === undefined ? null : (
            <>
              <dt>Restarted as</dt>
              <dd>
                <RunLink runId={run.restartedAs} />
              </dd>
            </>
          )}
          <dt>Children and threads</dt>
          <dd id="run-links">
            <span class="muted">from the timeline</span>
          </dd>
          {run.expiresAt === null ? null : (
            <>
              <dt>Kept until</dt>
              <dd>
                <Time at={run.expiresAt} />
              </dd>
            </>
          )}
        </dl>
        <div class="io">
          <div>
            <h2>Args</h2>
            <JsonView value={run.args} label="Args" />
          </div>
          <div id="run-outcome">
            {run.error === undefined ? null : (
              <>
                <h2>Error</h2>
                <p class="error">
                  <code>{run.error.code}</code> {run.error.message}
                </p>
              </>
            )}
            {run.status === "completed" ? (
              <>
                <h2>Result</h2>
                <JsonView value={run.result} label="Result" />
              </>
            ) : null}
          </div>
        </div>
      </section>
      <section class="actions" aria-label="Actions" id="actions">
        <h2>Actions</h2>
        {approvals.map((a) => (
          <form class="action" data-action="approval" data-seq={a.seq}>
            <fieldset>
              <legend>{`Approval: ${a.signal ?? ""}`}</legend>
              <label>
                Reason (optional)
                <input name="reason" maxlength={1000} />
              </label>
              <button type="submit" name="decision" value="approve">
                Approve
              </button>
              <button type="submit" name="decision" value="reject" class="danger">
                Reject
              </button>
            </fieldset>
          </form>
        ))}
        <form class="action" data-action="signal" id="signal-form">
          <fieldset disabled={ended}>
            <legend>Send a signal</legend>
            <label>
              Signal name
              <input name="signal" required list="waiting-signals" value={signals[0]?.signal ?? ""} autocomplete="off" />
            </label>
            <datalist id="waiting-signals">
              {signals.map((s) => (
                <option value={s.signal} />
              ))}
            </datalist>
            <label>
              Payload (JSON)
              <textarea name="payload" rows={3} spellcheck={false}>
                {"{}"}
              </textarea>
            </label>
            <button type="submit">Send signal</button>
          </fieldset>
        </form>
        <form class="action" data-action="repair" id="repair-form">
          <fieldset>
            <legend>Repair</legend>
            <button type="submit" name="op" value="pause" disabled={ended || run.pausedAt !== null}>
              Pause
            </button>
            <button type="submit" name="op" value="resume" disabled={ended || run.pausedAt === null}>
              Resume
            </button>
            <label>
              Restart from step (seq or name; empty: the first that did not complete)
              <input name="fromStep" autocomplete="off" disabled={!ended || run.restartedAs !== undefined} />
            </label>
            <button type="submit" name="op" value="restart" disabled={!ended || run.restartedAs !== undefined}>
              Restart
            </button>
            <button type="submit" name="op" value="cancel" class="danger" disabled={ended}>
              Cancel run
            </button>
          </fieldset>
        </form>
        <p class="problem" id="action-problem" role="alert" hidden />
      </section>
      <section id="timeline" class="timeline" aria-label="Step timeline" data-run-id={run.runId}>
        <h2>Timeline</h2>
        <p class="legend">
          <span class="kind kind-action">action</span> <span class="kind kind-mutation">mutation</span> <span class="kind kind-sleep">sleep</span>{" "}
          <span class="kind kind-signal">signal wait</span> <span class="kind kind-workflow">child workflow</span>{" "}
          <span class="kind kind-backoff">retry backoff</span> <span class="kind kind-failed">failed attempt</span>
        </p>
        <noscript>The timeline needs JavaScript; the steps are in GET /api/runs/{run.runId}/timeline.</noscript>
        <section class="tl" id="tl" tabindex={0} aria-label="Steps, one row each; arrow keys move, Enter selects" />
        <aside id="step-detail" class="step-detail" aria-live="polite" hidden />
      </section>
      <ConfirmDialog />
    </Layout>
  );
};
