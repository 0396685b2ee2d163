// The Worker-side API over run objects: startRun, getRun, signalRun, cancelRun.
// Errors come back as StepwiseError with the run object's code intact.
import { issueDetails, mintId, SerializedError, sha256Hex, StepwiseError, unwrap } from "../kernel/index.ts";
import type { DefinitionLike, FunctionReference } from "./workflow-api.ts";
import { functionName, type Registry } from "./registry.ts";
import { RUN_ID_PATTERN, type DescribeOptions, type OnCompleteRef, type RestartInput, type RestartResult, type StartResult } from "./durable/run-rpc.ts";
import type { RunView } from "./durable/run-view.ts";
import type { InboxPage, InboxQuery, ListQuery, RunPage } from "./durable/index-entry.ts";
import type { RunTimeline, StepDetail, TimelineQuery } from "./durable/run-timeline.ts";
import type { RunHistory } from "./history.ts";
import { indexShardCount } from "./durable/index-shards.ts";
import { inbox, listRuns, liveRunCounts, liveRuns } from "./run-index-reads.ts";

export interface StepwiseClient {
  /**
   * Starts a run. With `idempotencyKey`, a retried start returns the same run (`created: false`); with
   * `onComplete`, the registered function named there is called once when the run ends (`RunCompletion`).
   */
  startRun(
    workflow: string | DefinitionLike | FunctionReference<"workflow">,
    args: unknown,
    opts?: { runId?: string; idempotencyKey?: string; onComplete?: OnCompleteRef; version?: number; retentionDays?: number },
  ): Promise<StartResult>;
  /** A run as clients see it; with `waitMs` (at most 60,000), the answer waits for the run to end or that long, whichever is first. */
  getRun(runId: string, opts?: DescribeOptions): Promise<RunView>;
  /**
   * Delivers a signal (its payload may not be `null`). With `idempotencyKey`, a repeat with the same
   * name and payload is a duplicate and another name or payload a conflict; with `onceKey`, only the
   * first signal under that key counts, whatever it carries; with `forWaitAfter`, it is for the first
   * wait on it journaled after that seq, and refused once that wait ended.
   */
  signalRun(
    runId: string,
    signal: string,
    payload?: unknown,
    opts?: { onceKey?: string; idempotencyKey?: string; forWaitAfter?: number },
  ): Promise<{ signalId: number; duplicate: boolean; at: number }>;
  cancelRun(runId: string): Promise<{ status: "canceled" }>;
  /**
   * Restarts a failed, canceled or completed run as a new run linked to it (`restartOf` / `restartedAs`):
   * the steps before `fromStep` keep their results and never execute again. See `RestartInput`.
   */
  restartRun(runId: string, opts?: RestartInput): Promise<RestartResult>;
  /** Pauses a live run: it starts no new step, and timers that fall due wait, until `resumeRun`. `changed`: false when it was paused already. */
  pauseRun(runId: string): Promise<{ runId: string; status: RunView["status"]; changed: boolean }>;
  /** Resumes a paused run: timers that fell due meanwhile fire at once, in order. `changed`: false when it was not paused. */
  resumeRun(runId: string): Promise<{ runId: string; status: RunView["status"]; changed: boolean }>;
  /** How many live runs (not finished) each workflow version has, from the run index. */
  liveRunCounts(): Promise<{ workflow: string; version: number; live: number }[]>;
  /** One journaled step of a run, the first wait on `waitFor` after it, and whether a once-only signal with `onceKey` was already accepted. */
  getStepInfo(
    runId: string,
    seq: number,
    opts?: { onceKey?: string; waitFor?: string },
  ): Promise<{
    workflow: string;
    runStatus: string;
    step: { name: string; kind: string; status: string; result: unknown; wait?: { signal: string; label?: string; forStep?: number } } | null;
    wait: { seq: number; status: string } | null;
    signaled: { at: number; payload: unknown } | null;
  }>;
  /**
   * Runs newest first, by workflow, status and run id prefix (`q`), a page at a time; each with the workflow
   * `version` it runs on, what it waits for and when it ended. With `counts`, the whole index's counts per workflow and status.
   */
  listRuns(query?: ListQuery): Promise<RunPage>;
  /** The open signal waits of live runs, oldest first (by when each began), a page at a time. */
  inbox(query?: InboxQuery): Promise<InboxPage>;
  /** The run index's live list for a forwarded WebSocket upgrade: a frame per entry that changes (see LiveFrame). */
  liveRuns(request: Request): Promise<Response>;
  /**
   * A window of the run's steps on a time axis: the `limit` steps (default 500, at most 2000) after seq
   * `after` (default -1: from the first), each with its attempts; `nextCursor` is the next window's `after`.
   * @example
   * for (let after: number | null = -1; after !== null; ) {
   *   const page = await runs.getTimeline(runId, { after, limit: 500 });
   *   draw(page.steps);
   *   after = page.nextCursor;
   * }
   */
  getTimeline(runId: string, query?: TimelineQuery): Promise<RunTimeline>;
  /** One step of a run in full (`step.not_found` when the run has no such seq). */
  getStep(runId: string, seq: number): Promise<StepDetail>;
  /**
   * The run's history: its journal with payloads decoded, its `step.patched` answers and its signals, as
   * JSON to save and replay against new code with `replayHistory`. A read only: a parked run stays parked.
   * @example
   * const history = await runs.getHistory(runId);
   * const report = await replayHistory(registry, history);
   */
  getHistory(runId: string): Promise<RunHistory>;
  /** The run object's event stream endpoint (`/events` SSE or `/ws` WebSocket) for a forwarded request. */
  streamEvents(runId: string, request: Request, kind: "events" | "ws"): Promise<Response>;
}

/**
 * A client for the runs of one deployment. With `registry`, args are checked here before any object
 * is made; without, the run object checks them (and a workflow may be named by its module path).
 * @example
 * const runs = createClient(env, registry);
 * const { runId } = await runs.startRun("greet", { name: "Ada" });
 * await runs.signalRun(runId, "approval", { approved: true });
 */
export function createClient(env: Env, registry?: Registry): StepwiseClient {
  const stub = (runId: string) => {
    if (!RUN_ID_PATTERN.test(runId)) throw new StepwiseError("run.not_found", "no such run");
    return env.WORKFLOW_RUNS.getByName(runId);
  };
  return {
    async startRun(workflow, args, opts = {}) {
      let name = typeof workflow === "string" ? workflow : functionName(workflow);
      if (registry !== undefined) {
        const def = registry.get(name, opts.version);
        if (def === undefined && opts.version !== undefined && registry.get(name) !== undefined) {
          throw new StepwiseError("workflow.version_not_found", `the workflow "${name}" has no version ${opts.version}`);
        }
        if (def === undefined) throw new StepwiseError("workflow.not_found", `no workflow named "${name}"`);
        // Validate here too, so bad args never create an object.
        const parsed = def.args.safeParse(args);
        if (!parsed.success) {
          throw new StepwiseError("run.invalid_args", `invalid args for workflow "${name}"`, { details: issueDetails(parsed.error) });
        }
        name = def.name;
      }
      // The run object reads the setting to pick its index shard; a bad one would reach the caller from
      // there as a bare message (RPC drops an error's code), so it is refused here with its code first.
      indexShardCount(env);
      const extra = {
        ...(opts.onComplete === undefined ? {} : { onComplete: opts.onComplete }),
        ...(opts.version === undefined ? {} : { version: opts.version }),
        ...(opts.retentionDays === undefined ? {} : { retentionDays: opts.retentionDays }),
      };
      if (opts.idempotencyKey !== undefined) {
        // The key names the run: every retry of the start reaches the same object, which decides.
        const runId = await idempotentRunId(name, opts.idempotencyKey);
        return unwrap(await stub(runId).start({ runId, workflow: name, args, sameArgsOnly: true, ...extra }));
      }
      const runId = opts.runId ?? newRunId();
      return unwrap(await stub(runId).start({ runId, workflow: name, args, ...extra }));
    },
    async getRun(runId, opts = {}) {
      return unwrap(await stub(runId).describe(opts));
    },
    async signalRun(runId, signal, payload, opts = {}) {
      return unwrap(await stub(runId).signal(signal, payload, opts));
    },
    async cancelRun(runId) {
      return unwrap(await stub(runId).cancel());
    },
    async restartRun(runId, opts = {}) {
      return unwrap(await stub(runId).restart(opts));
    },
    async pauseRun(runId) {
      return unwrap(await stub(runId).pause());
    },
    async resumeRun(runId) {
      return unwrap(await stub(runId).resume());
    },
    async liveRunCounts() {
      return await liveRunCounts(env);
    },
    async getStepInfo(runId, seq, opts = {}) {
      return unwrap(await stub(runId).stepInfo(seq, opts));
    },
    async getTimeline(runId, query = {}) {
      return unwrap(await stub(runId).timeline(query));
    },
    async getStep(runId, seq) {
      return unwrap(await stub(runId).step(seq));
    },
    async getHistory(runId) {
      return unwrap(await stub(runId).history());
    },
    async listRuns(query = {}) {
      return await listRuns(env, query);
    },
    async inbox(query = {}) {
      return await inbox(env, query);
    },
    async liveRuns(request) {
      return forwarded(await liveRuns(env, request));
    },
    async streamEvents(runId, request, kind) {
      const url = new URL(request.url);
      return forwarded(await stub(runId).fetch(new Request(`https://run.internal/${kind}${url.search}`, { headers: request.headers })));
    },
  };
}

/** An object's answer to a forwarded request, as the Worker returns it; its errors thrown as StepwiseError. */
async function forwarded(res: Response): Promise<Response> {
  if (res.status >= 400) {
    // The objects answer errors as { code, message }; the app renders them as problem+json.
    const e = SerializedError.safeParse(await res.json().catch(() => null));
    throw e.success ? StepwiseError.fromJSON(e.data) : new StepwiseError("internal", `the object answered ${res.status}`);
  }
  // A response from another object has immutable headers; copy it so middleware can add its own.
  return new Response(res.body, { status: res.status, headers: new Headers(res.headers), webSocket: res.webSocket });
}

/** The run id a start with an Idempotency-Key gets: the same for the same workflow and key. */
export async function idempotentRunId(workflow: string, key: string): Promise<string> {
  return `run_${(await sha256Hex(`${workflow}\n${key}`)).slice(0, 32)}`;
}

export function newRunId(): string {
  return mintId("run");
}
