// The API's request and response schemas: the routes validate with these and the OpenAPI document is
// generated from these, so the two cannot drift apart.
import { z } from "zod";
import {
  IndexWait,
  MAX_WAIT_MS,
  RUN_ID_PATTERN,
  RUN_ID_PREFIX_PATTERN,
  RunHistory,
  SIGNAL_NAME_PATTERN,
  TokenUsage,
  WORKFLOW_NAME_PATTERN,
} from "../../engine/index.ts";

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string().describe("Stable, dotted error code, e.g. run.not_found"),
  errors: z.array(z.object({ path: z.string().describe("JSON Pointer of the failing field"), message: z.string() })).optional(),
  restartedAs: z.string().optional().describe("With run.already_restarted: the newer run, the one to restart"),
});

export const WorkflowName = z.string().regex(WORKFLOW_NAME_PATTERN);
export const RunId = z.string().regex(RUN_ID_PATTERN);
export const SignalName = z.string().regex(SIGNAL_NAME_PATTERN, "1-100 characters of letters, digits, '_', '.', ':', '-'");

const WorkflowVersion = z.number().int().min(1);

export const StartBody = z.object({
  args: z.unknown().optional().describe("The workflow's args, checked against its schema"),
  version: WorkflowVersion.optional().describe("The workflow version to run (the newest registered one when not given); an unregistered one is a 404"),
  retentionDays: z
    .number()
    .min(0)
    .max(36_500)
    .optional()
    .describe("How long the run is kept once it has ended, in days: overrides the workflow's and the deployment's default"),
});
export const StartResponse = z.object({ runId: z.string(), status: z.string() });

export const FunctionName = z.string().regex(WORKFLOW_NAME_PATTERN);
export const CallBody = z.object({ args: z.unknown().optional().describe("The function's args, checked against its schema (default {})") });
export const CallResponse = z.object({ value: z.unknown().describe("What the function returned") });
export const FunctionList = z.object({
  functions: z.array(z.object({ name: z.string(), kind: z.enum(["action", "mutation"]), args: z.record(z.string(), z.unknown()) })),
});

export const SignalBody = z.object({
  payload: z
    .unknown()
    .refine((v) => v !== null, "null is what a timed-out wait returns, so it is never a payload")
    .optional()
    .describe(
      "Delivered to waitForSignal. A wait with a schema (its JSON Schema is in the run's waitingFor) takes only a payload that matches it: " +
        "another, or none, is a 400 signal.invalid_payload naming the failing paths under /payload. " +
        "To a wait without a schema an omitted payload arrives as true. Never null",
    ),
});
export const SignalResponse = z.object({ accepted: z.literal(true), signalId: z.number().int(), duplicate: z.boolean() });

/** `?wait=<seconds>`: how long an answer is held for its run to end. */
const WaitSeconds = z.coerce
  .number()
  .min(0)
  .max(MAX_WAIT_MS / 1000)
  .optional();

export const RunQuery = z.object({
  steps: z.enum(["all", "none"]).default("all").describe("none leaves the journal out"),
  wait: WaitSeconds.describe(
    `Seconds (at most ${MAX_WAIT_MS / 1000}; fractions allowed) to hold the answer until the run has ended (completed, failed or canceled). ` +
      "The answer is the run as it is then, ended or not: ask again while it runs",
  ),
});

export const StartQuery = z.object({
  wait: WaitSeconds.describe(
    `Seconds (at most ${MAX_WAIT_MS / 1000}; fractions allowed) to hold the answer until the new run has ended. The answer is then the run ` +
      "as GET /api/runs/{runId}?steps=none gives it, ended or not (its completedAt says which); if the wait is cut short (the run's object " +
      "restarted), the start's answer: runId and status",
  ),
});

const Status = z.enum(["queued", "running", "sleeping", "waiting", "paused", "completed", "failed", "canceled"]);

const Limit = z.coerce.number().int().min(1).max(100).default(20);
const PageCursor = z.string().max(500).optional().describe("nextCursor from the previous page");

export const ListRunsQuery = z.object({
  workflow: WorkflowName.optional(),
  status: Status.optional(),
  q: z
    .string()
    .regex(RUN_ID_PREFIX_PATTERN, "1-200 characters of letters, digits, '_', '.', ':', '-'")
    .optional()
    .describe("Only runs whose id starts with this (case-sensitive); combines with the other filters"),
  counts: z
    .enum(["true", "false"])
    .optional()
    .describe("true adds `counts`: how many runs each workflow has in each status, over the whole index (not filtered)"),
  limit: Limit,
  cursor: PageCursor,
});

export const RunSummary = z.object({
  runId: z.string(),
  workflow: z.string(),
  status: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number().int().describe("The workflow version the run executes on"),
  waitingFor: z
    .array(IndexWait)
    .describe("What each open step waits for, as in the run's waitingFor (a signal's schema left out), with `since`: when the wait began. Empty once ended"),
  completedAt: z.number().nullable().describe("When the run ended; null while it runs"),
});
export const RunCounts = z
  .array(z.object({ workflow: z.string(), status: z.string(), count: z.number().int() }))
  .describe("With counts=true: runs per workflow and status in the whole index; pairs with none are left out");
export const RunList = z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable(), counts: RunCounts.optional() });

export const InboxQuery = z.object({ limit: Limit, cursor: PageCursor });
export const Inbox = z.object({
  waits: z.array(
    z.object({
      runId: z.string(),
      workflow: z.string(),
      runCreatedAt: z.number(),
      seq: z.number().int().describe("The waiting step's seq"),
      signal: z.string().describe("The signal it waits for: POST /api/runs/{runId}/signals/{signal} delivers it"),
      since: z.number().describe("When the wait began"),
      timeoutAt: z.number().nullable().describe("When the wait gives up; null: never"),
      label: z.string().optional().describe("What the wait is for, in words, when the workflow gave one"),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const LiveRunFrame = z
  .union([z.object({ type: z.literal("run"), run: RunSummary }), z.object({ type: z.literal("removed"), runId: z.string() })])
  .describe("run: an entry changed (the row as GET /api/runs lists it); removed: the run's retention ended");

export const StepView = z.object({
  seq: z.number().int(),
  name: z.string(),
  kind: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  startedAt: z.number(),
  completedAt: z.number().nullable(),
  wakeAt: z.number().nullable(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});

export const RunView = z.object({
  runId: z.string(),
  workflow: z.string(),
  status: Status,
  version: z.number().int().describe("The workflow version the run executes on; it never changes for a run"),
  args: z.unknown(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  completedAt: z.number().nullable(),
  stepCount: z.number().int(),
  waitingFor: z.array(z.record(z.string(), z.unknown())).describe("What each open step waits for: a sleep, a retry, a signal, a child run or a step in flight"),
  pausedAt: z.number().nullable().describe("When the run was paused; null when it is not"),
  restartOf: z.string().optional().describe("The run this one restarts"),
  restartFromStep: z.number().int().optional().describe("The seq this run executed from; the steps before it are the restarted run's"),
  restartedAs: z.string().optional().describe("The run that restarted this one"),
  expiresAt: z.number().nullable().describe("When the ended run's storage is deleted; null while it runs or still owes side effects"),
  queue: z
    .object({
      kind: z.enum(["concurrency", "throttle", "debounce"]),
      key: z.string().describe("The rule's key for this run's args (empty without a key expression)"),
      since: z.number().describe("When the run began to wait"),
      position: z.number().int().nullable().describe("How many runs are ahead of it in line; null when its line did not answer"),
      dueAt: z.number().nullable().describe("A debounced run: when its burst starts it, unless another start comes first"),
    })
    .optional()
    .describe("While the run waits in its workflow's line (flow control: concurrency, throttle, debounce)"),
  steps: z.array(StepView).optional(),
  usage: TokenUsage.describe(
    "The tokens its steps' attempts reported (agent steps report their answers; ctx.reportUsage), failed attempts included, in all and by model and provider; zeros and an empty list when none did",
  ),
  stats: z.object({ replayedSteps: z.number().nullable(), replayMs: z.number().nullable() }),
});

/** What a start answers: the new run's id and status; with `?wait=`, the run as a status read gives it (see StartQuery). */
export const StartAnswer = z.union([RunView, StartResponse]);

export const TimelineQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(-1)
    .default(-1)
    .describe("The window starts after this seq: nextCursor from the previous window; -1 (the default) starts at the first step"),
  limit: z.coerce.number().int().min(1).max(2000).default(500).describe("How many steps the window holds"),
});
export const StepSeq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const ErrorSummary = z.object({ code: z.string(), message: z.string() });

export const Attempt = z.object({
  attempt: z.number().int(),
  startedAt: z.number(),
  endedAt: z.number().nullable().describe("null while the attempt runs"),
  outcome: z
    .enum(["running", "completed", "failed", "retrying", "interrupted", "canceled", "abandoned"])
    .describe("retrying: it failed and the next attempt was scheduled for retryAt; interrupted: a crash or eviction cut it off and the next one started"),
  retryAt: z.number().optional().describe("With retrying: when the next attempt was due (the backoff is endedAt..retryAt)"),
  error: ErrorSummary.optional(),
});

export const TimelineStep = z.object({
  seq: z.number().int(),
  name: z.string(),
  kind: z.enum(["action", "mutation", "run", "sleep", "signal", "workflow", "now", "random", "uuid"]),
  status: z.enum(["running", "retrying", "sleeping", "waiting", "completed", "failed", "canceled", "abandoned"]),
  startedAt: z.number(),
  endedAt: z.number().nullable().describe("null while the step is open"),
  wakeAt: z.number().nullable().describe("A sleep's wake-up, a signal wait's timeout, or when a retried step's next attempt was due"),
  attempts: z.array(Attempt).describe("Every attempt, oldest first; empty for a step that never started one"),
  signal: z.string().optional().describe("A signal wait's signal"),
  childRunId: z.string().optional().describe("A child workflow step's run"),
  threadId: z.string().optional().describe("The agent thread the step worked on: a `threadId` its result or args name"),
});

export const Timeline = z.object({
  runId: z.string(),
  workflow: z.string(),
  status: Status,
  startedAt: z.number(),
  endedAt: z.number().nullable().describe("null while the run is live"),
  now: z.number().describe("The run's clock when it answered: where the bars of open steps end"),
  stepCount: z.number().int().describe("Steps journaled in all"),
  steps: z.array(TimelineStep).describe("The window, by seq"),
  nextCursor: z.number().int().nullable().describe("after for the next window; null when this window holds the last journaled step"),
});

export const StepDetail = TimelineStep.extend({
  args: z.unknown().optional().describe("The args the step was called with, where it journals them (actions, mutations, runs, child workflows)"),
  result: z.unknown().optional(),
  error: ErrorSummary.optional().describe("Why the step failed, or its last attempt's error while it waits to retry"),
});

/** The engine's own schema of an exported history: the route answers it as the run object builds it. */
export const History = RunHistory;

export const CancelResponse = z.object({ status: z.literal("canceled") });

export const WaitSeq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const DecideBody = z.object({
  approved: z.boolean().describe("true approves, false rejects"),
  reason: z.string().max(1000).optional().describe("Why, for the record: it reaches the workflow in the decision's reason"),
});
export const DecideResponse = z.object({ decided: z.literal(true), approved: z.boolean() });

export const RestartBody = z.object({
  fromStep: z
    .union([z.number().int().min(0), z.string().min(1).max(200)])
    .optional()
    .describe("The seq of the step to execute from, or a step name (the first with that name); by default the first step that did not complete"),
  version: WorkflowVersion.optional().describe("Run the new attempt on this workflow version instead of the run's own"),
});
export const RestartResponse = z.object({
  runId: z.string().describe("The new run: the restarted one's id with :r2, :r3..."),
  restartOf: z.string(),
  fromStep: z.number().int().describe("The seq the new run executes from; the steps before it keep their results"),
  version: z.number().int(),
  status: z
    .union([Status, z.literal("pending")])
    .describe('"pending" (with 202) while the new run does not have the restart yet; it is handed over on the next wake-up'),
});
export const PauseResponse = z.object({
  runId: z.string(),
  status: Status,
  changed: z.boolean().describe("false when the run was already in the state asked for"),
});

export const WorkflowList = z.object({
  workflows: z.array(
    z.object({
      name: z.string(),
      args: z.record(z.string(), z.unknown()).describe("JSON Schema of the newest version's args"),
      version: z.number().int().describe("The newest registered version: what a start runs unless it asks for another"),
      versions: z
        .array(z.object({ version: z.number().int(), deployed: z.boolean(), liveRuns: z.number().int() }))
        .describe(
          "Oldest first: each registered version (deployed: true), and each version no longer registered that still has live runs (deployed: false). " +
            "A version whose liveRuns is 0 may be deleted from the code",
        ),
    }),
  ),
});

export const RunEvent = z.object({
  seq: z.number().int(),
  type: z.string(),
  at: z.number(),
  data: z
    .record(z.string(), z.unknown())
    .describe(
      "What happened: for a step, its seq, name, kind and attempt; `usage` (as the run's) on the step.retrying, step.completed, step.failed and step.canceled " +
        "of a step whose attempts reported tokens, the step's so far; on run.finished, `status`, `error` and `usage`, the run's",
    ),
});
