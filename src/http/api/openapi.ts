// The OpenAPI 3.1 document, generated from the zod schemas the routes validate with.
// Paths are listed once here with their schemas; `openApiDocument()` turns them into JSON Schema.
import { z } from "zod";
import { ThreadInfo } from "../../agents/index.ts";
import {
  ApprovalList,
  ApprovalsQuery,
  CreateThreadBody,
  DecideToolBody,
  DecideToolResponse,
  ListThreadsQuery,
  MessagesQuery,
  SocketQuery,
  ThreadList,
  UIMessages,
} from "../threads.ts";
import { PoolList, PoolView, RetrierList, RetriersQuery } from "./pools.ts";
import { QueueMessageBody, QueueSendResponse } from "./queues.ts";
import { CreateScheduleBody, DeleteScheduleResponse, ScheduleList, ScheduleView, TriggerResult } from "./schedules.ts";
import {
  CallBody,
  CallResponse,
  CancelResponse,
  DecideBody,
  DecideResponse,
  FunctionList,
  History,
  Inbox,
  InboxQuery,
  ListRunsQuery,
  LiveRunFrame,
  PauseResponse,
  Problem,
  RestartBody,
  RestartResponse,
  RunEvent,
  RunList,
  RunQuery,
  RunView,
  SignalBody,
  SignalResponse,
  StartAnswer,
  StartBody,
  StartQuery,
  StepDetail,
  Timeline,
  TimelineQuery,
  WorkflowList,
} from "./schemas.ts";

interface Operation {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  params?: Record<string, string>;
  query?: z.ZodObject;
  headers?: Record<string, string>;
  body?: z.ZodType;
  /** Overrides the document's bearer requirement (the WebSockets take a ticket instead). */
  security?: Record<string, string[]>[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const problems = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { description: PROBLEM_TEXT[c] ?? "error", schema: Problem, contentType: "application/problem+json" }]));

const PROBLEM_TEXT: Record<number, string> = {
  400: "invalid input: `errors` lists the failing paths",
  401: "missing or wrong bearer token",
  404: "unknown workflow, workflow version, run, step, thread, function, pool, queue or schedule",
  403: "the ticket is for another thread",
  409: "the run is in the wrong state for this (ended, or live for a restart), or the Idempotency-Key was used with other args",
  413: "body over 1 MiB",
  500: "the function threw (function.failed), or an internal error",
  426: "not a WebSocket upgrade",
  429: "the workflow's rateLimit refused the start: `retryAfterMs` and the Retry-After header say when one frees",
};

export const OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/api/workflows",
    summary: "List workflows: the JSON Schema of their args, their versions and how many runs are live on each",
    responses: { 200: { description: "workflows", schema: WorkflowList }, ...problems(401) },
  },
  {
    method: "post",
    path: "/api/workflows/{name}/runs",
    summary: "Start a run; with ?wait=<seconds>, answer once it has ended (or the wait is over) with the run as a status read gives it",
    params: { name: "workflow name" },
    headers: { "Idempotency-Key": "a retried start with the same key returns the same run (200); other args with it: 409" },
    query: StartQuery,
    body: StartBody,
    responses: {
      201: { description: "started (status `queued` while it waits in its workflow's line); with ?wait=, the run as it is then", schema: StartAnswer },
      200: {
        description: "already started with this Idempotency-Key, or folded into an open debounce burst (the burst's run); with ?wait=, that run as it is then",
        schema: StartAnswer,
      },
      ...problems(400, 401, 404, 409, 413, 429),
    },
  },
  {
    method: "get",
    path: "/api/functions",
    summary: "List the public actions and mutations and the JSON Schema of their args",
    responses: { 200: { description: "public functions", schema: FunctionList }, ...problems(401) },
  },
  {
    method: "post",
    path: "/api/functions/{name}",
    summary: "Call a public action or mutation; it runs in this request",
    params: { name: "function name (its module and export, e.g. notifications.send)" },
    headers: { "Idempotency-Key": "the mutation's idempotency key: a retried call with the same key writes once" },
    body: CallBody,
    responses: {
      200: { description: "what the function returned", schema: CallResponse },
      ...problems(400, 401, 404, 413, 500),
    },
  },
  {
    method: "get",
    path: "/api/runs",
    summary: "List runs, newest first: by workflow, status and run id prefix (q); with counts=true, the whole index's counts per workflow and status",
    query: ListRunsQuery,
    responses: { 200: { description: "a page of runs", schema: RunList }, ...problems(400, 401) },
  },
  {
    method: "get",
    path: "/api/inbox",
    summary: "The signal waits of live runs, oldest first (by since, then runId and seq): what people or systems still owe an answer",
    query: InboxQuery,
    responses: { 200: { description: "a page of open signal waits", schema: Inbox }, ...problems(400, 401) },
  },
  {
    method: "get",
    path: "/api/live/runs",
    summary:
      "The run list live, over a WebSocket: one JSON frame per index entry that changes ({ type: run, run }) or is removed ({ type: removed, runId }). " +
      "Open it before reading GET /api/runs so no change falls between the two",
    responses: { 101: { description: "switching protocols; each message is a frame", schema: LiveRunFrame }, ...problems(401, 426) },
  },
  {
    method: "get",
    path: "/api/runs/{runId}",
    summary: "Read a run: status, args, result or error, journal, what it waits for; with ?wait=<seconds>, once it has ended (or the wait is over)",
    params: { runId: "run id" },
    query: RunQuery,
    responses: { 200: { description: "the run", schema: RunView }, ...problems(400, 401, 404) },
  },
  {
    method: "get",
    path: "/api/runs/{runId}/timeline",
    summary:
      "A window of the run's steps on a time axis (for a Gantt view): each step's attempts with their errors and retry backoffs, sleeps and waits. " +
      "No args or results; page with after=nextCursor",
    params: { runId: "run id" },
    query: TimelineQuery,
    responses: { 200: { description: "the window", schema: Timeline }, ...problems(400, 401, 404) },
  },
  {
    method: "get",
    path: "/api/runs/{runId}/history",
    summary:
      "The run's history (format stepwise.history/1): its journal with args, results and errors decoded, its step.patched answers and its signals. " +
      "Save it and replay it against new code with replayHistory before a deploy",
    params: { runId: "run id" },
    responses: { 200: { description: "the history", schema: History }, ...problems(400, 401, 404) },
  },
  {
    method: "get",
    path: "/api/runs/{runId}/steps/{seq}",
    summary: "One step of a run in full: its attempts, args, result and error",
    params: { runId: "run id", seq: "the step's seq (0 is the first step)" },
    responses: { 200: { description: "the step", schema: StepDetail }, ...problems(400, 401, 404) },
  },
  {
    method: "post",
    path: "/api/runs/{runId}/signals/{signal}",
    summary: "Deliver a signal; a payload that fails the waiting step's schema is refused with a 400",
    params: { runId: "run id", signal: "signal name" },
    headers: { "Idempotency-Key": "only the first signal with this key is delivered; repeats return it with duplicate: true" },
    body: SignalBody,
    responses: {
      202: { description: "accepted (durably stored)", schema: SignalResponse },
      200: { description: "duplicate of an accepted signal", schema: SignalResponse },
      ...problems(400, 401, 404, 409, 413),
    },
  },
  {
    method: "post",
    path: "/api/runs/{runId}/approvals/{seq}",
    summary:
      "Decide an approval from the console: approve or reject the approval wait at seq (a waitingFor entry with label approval). " +
      "The first decision wins, whether from the emailed link or here; the workflow receives { approved, decidedAt, by: console, reason }",
    params: { runId: "run id", seq: "the seq of the approval's wait, as waitingFor shows it" },
    body: DecideBody,
    responses: {
      200: { description: "decided", schema: DecideResponse },
      ...problems(400, 401, 404, 413),
      409: {
        description: "approval.already_decided (a decision was taken, from a link or the console) or approval.closed (the wait ended or the run finished)",
        schema: Problem,
        contentType: "application/problem+json",
      },
    },
  },
  {
    method: "post",
    path: "/api/runs/{runId}/cancel",
    summary: "Cancel a run",
    params: { runId: "run id" },
    responses: { 200: { description: "canceled", schema: CancelResponse }, ...problems(401, 404, 409) },
  },
  {
    method: "post",
    path: "/api/runs/{runId}/restart",
    summary:
      "Restart an ended run (failed, canceled or completed) as a new linked run that keeps the steps before fromStep and executes from there; " +
      "by default from the first step that did not complete",
    params: { runId: "run id" },
    body: RestartBody,
    responses: {
      201: { description: "the new run", schema: RestartResponse },
      202: { description: "the restart is stored; its handoff to the new run failed for now and is repeated (status pending)", schema: RestartResponse },
      ...problems(400, 401, 404, 409, 413),
    },
  },
  {
    method: "post",
    path: "/api/runs/{runId}/pause",
    summary: "Pause a live run: it starts no new step and its timers wait until it is resumed; a step already executing finishes",
    params: { runId: "run id" },
    responses: { 200: { description: "paused (changed: false when it was already)", schema: PauseResponse }, ...problems(401, 404, 409) },
  },
  {
    method: "post",
    path: "/api/runs/{runId}/resume",
    summary: "Resume a paused run: timers that fell due meanwhile fire at once, in order",
    params: { runId: "run id" },
    responses: { 200: { description: "resumed (changed: false when it was not paused)", schema: PauseResponse }, ...problems(401, 404, 409) },
  },
  {
    method: "get",
    path: "/api/runs/{runId}/events",
    summary: "The run's events as Server-Sent Events; Last-Event-ID (or ?after=) resumes",
    params: { runId: "run id" },
    responses: {
      200: { description: "`id:` is the event seq, `data:` a RunEvent", schema: RunEvent, contentType: "text/event-stream" },
      ...problems(401, 404),
    },
  },
  {
    method: "get",
    path: "/api/runs/{runId}/ws",
    summary: "The run's events over a WebSocket (one RunEvent per message); ?after=<seq> resumes",
    params: { runId: "run id" },
    responses: { 101: { description: "switching protocols", schema: RunEvent }, ...problems(400, 401, 404) },
  },
  {
    method: "get",
    path: "/api/pools",
    summary: "List every Workpool that has been used: its limit, jobs queued and in flight, and the jobs that failed for good lately",
    responses: { 200: { description: "pools, by name", schema: PoolList }, ...problems(401) },
  },
  {
    method: "get",
    path: "/api/pools/{name}",
    summary: "Read one Workpool: its limit, jobs queued and in flight, and the jobs that failed for good lately",
    params: { name: "pool name" },
    responses: { 200: { description: "the pool", schema: PoolView }, ...problems(400, 401, 404) },
  },
  {
    method: "get",
    path: "/api/retriers",
    summary: "List the ActionRetrier runs in flight (running an attempt, or waiting out a backoff), oldest first",
    query: RetriersQuery,
    responses: { 200: { description: "a page of live retrier runs", schema: RetrierList }, ...problems(400, 401) },
  },
  {
    method: "get",
    path: "/api/schedules",
    summary: "List the schedules (defined in code or created through the API): cron, time zone, policies, paused, the next instant",
    responses: { 200: { description: "schedules, by name", schema: ScheduleList }, ...problems(401) },
  },
  {
    method: "post",
    path: "/api/schedules",
    summary:
      "Create a schedule: runs of `workflow` with `args` at every instant of `cron` (5 fields, or 6 with seconds) in `timezone`. " +
      "A bad cron or time zone is a 400 at /cron or /timezone, args that fail the workflow's schema at paths under /args",
    body: CreateScheduleBody,
    responses: {
      201: { description: "created", schema: ScheduleView },
      ...problems(400, 401, 413),
      409: { description: "schedule.name_taken: a schedule of that name exists", schema: Problem, contentType: "application/problem+json" },
    },
  },
  {
    method: "get",
    path: "/api/schedules/{name}",
    summary: "Read a schedule: its spec, the next instant it fires at, and its recent fires (started, skipped, buffered, missed, canceled_previous, failed)",
    params: { name: "schedule name" },
    responses: { 200: { description: "the schedule", schema: ScheduleView }, ...problems(400, 401, 404) },
  },
  {
    method: "post",
    path: "/api/schedules/{name}/pause",
    summary: "Pause a schedule: no instant fires until it is resumed",
    params: { name: "schedule name" },
    responses: { 200: { description: "paused", schema: ScheduleView }, ...problems(400, 401, 404) },
  },
  {
    method: "post",
    path: "/api/schedules/{name}/resume",
    summary: "Resume a schedule from now: the instants that passed while it was paused do not fire",
    params: { name: "schedule name" },
    responses: { 200: { description: "resumed", schema: ScheduleView }, ...problems(400, 401, 404) },
  },
  {
    method: "post",
    path: "/api/schedules/{name}/trigger",
    summary: "Fire the schedule now, as an extra instant: its overlap policy applies (a live previous run may make it skipped or buffered)",
    params: { name: "schedule name" },
    responses: {
      201: { description: "a run was started", schema: TriggerResult },
      200: { description: "skipped or buffered by the overlap policy", schema: TriggerResult },
      ...problems(400, 401, 404),
    },
  },
  {
    method: "delete",
    path: "/api/schedules/{name}",
    summary: "Delete a schedule created through the API (the runs it started stay); one defined in code is a 409 schedule.defined_in_code",
    params: { name: "schedule name" },
    responses: {
      200: { description: "deleted", schema: DeleteScheduleResponse },
      ...problems(400, 401, 404),
      409: { description: "schedule.defined_in_code", schema: Problem, contentType: "application/problem+json" },
    },
  },
  {
    method: "post",
    path: "/api/queues/{queue}/messages",
    summary:
      "Send a message to a queue whose trigger starts runs: its body is the workflow's args, sent unchecked (the consumer starts one run per message, " +
      "or dead-letters a bad one with the reason). For queues whose trigger names its producer binding",
    params: { queue: "the queue's name" },
    body: QueueMessageBody,
    responses: { 202: { description: "sent to the queue", schema: QueueSendResponse }, ...problems(400, 401, 404, 413) },
  },
  {
    method: "post",
    path: "/api/threads",
    summary: "Create a conversation thread",
    headers: { "Idempotency-Key": "a retried create with the same key names the same thread" },
    body: CreateThreadBody,
    responses: { 201: { description: "the thread", schema: ThreadInfo }, ...problems(400, 401, 413) },
  },
  {
    method: "get",
    path: "/api/threads",
    summary: "List threads, newest first by creation (ties by thread id); userId keeps one user's",
    query: ListThreadsQuery,
    responses: {
      200: { description: "a page of threads (updatedAt: the last saved message, or the creation)", schema: ThreadList },
      ...problems(400, 401),
    },
  },
  {
    method: "get",
    path: "/api/threads/{id}",
    summary: "Read a thread",
    params: { id: "thread id" },
    responses: {
      200: { description: "the thread (expiresAt: when its retention deletes it, null when it is kept)", schema: ThreadInfo },
      ...problems(401, 404),
    },
  },
  {
    method: "get",
    path: "/api/threads/{id}/messages",
    summary: "A page of a thread's messages, oldest first",
    params: { id: "thread id" },
    query: MessagesQuery,
    responses: { 200: { description: "`{ threadId, messages, nextCursor }`" }, ...problems(400, 401, 404) },
  },
  {
    method: "get",
    path: "/api/threads/{id}/ui-messages",
    summary: "The thread as a useChat client shows it: one UI message per prompt and per answer (the ids its stream announced); superseded answers left out",
    params: { id: "thread id" },
    responses: { 200: { description: "`{ threadId, messages }` (the ai SDK's UIMessage)", schema: UIMessages }, ...problems(401, 404) },
  },
  {
    method: "get",
    path: "/api/threads/{id}/approvals",
    summary: "The thread's tool calls that wait (or waited) for a human's decision, newest first",
    params: { id: "thread id" },
    query: ApprovalsQuery,
    responses: { 200: { description: "the approvals", schema: ApprovalList }, ...problems(400, 401, 404) },
  },
  {
    method: "post",
    path: "/api/threads/{id}/approvals/{approvalId}",
    summary:
      "Approve or deny a tool call that waits for a decision, once (the first decision wins, from the chat, a link, the console or here): the chat's answer goes on, a workflow run receives it",
    params: { id: "thread id", approvalId: "the approval's id (the ai SDK's approvalId)" },
    body: DecideToolBody,
    responses: { 200: { description: "taken", schema: DecideToolResponse }, ...problems(400, 401, 404, 409) },
  },
  {
    method: "post",
    path: "/api/threads/{id}/ws-ticket",
    summary: "Mint a short-lived ticket (60 s) that opens this thread's WebSockets (browsers cannot send a bearer header on one)",
    params: { id: "thread id" },
    responses: { 201: { description: "`{ ticket, expiresAt, ttlMs, chatUrl, eventsUrl }`" }, ...problems(401, 404) },
  },
  {
    method: "get",
    path: "/api/threads/{id}/ws",
    summary: "The thread's chat WebSocket: the protocol of the ai SDK's WebSocketChatTransport (send, resume, abort)",
    params: { id: "thread id" },
    query: SocketQuery,
    security: [],
    responses: { 101: { description: "switching protocols" }, ...problems(400, 401, 403, 404, 426) },
  },
  {
    method: "get",
    path: "/api/threads/{id}/events",
    summary: "The thread's events over a WebSocket: a snapshot, then answer.started, answer.ended, messages.saved",
    params: { id: "thread id" },
    query: SocketQuery,
    security: [],
    responses: { 101: { description: "switching protocols" }, ...problems(400, 401, 403, 404, 426) },
  },
];

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    for (const [name, description] of Object.entries(op.params ?? {}))
      parameters.push({ name, in: "path", required: true, description, schema: { type: "string" } });
    for (const [name, description] of Object.entries(op.headers ?? {}))
      parameters.push({ name, in: "header", required: false, description, schema: { type: "string" } });
    for (const [name, schema] of Object.entries(op.query?.shape ?? {})) {
      parameters.push({ name, in: "query", required: !(schema as z.ZodType).safeParse(undefined).success, schema: jsonSchema(schema as z.ZodType, "input") });
    }
    const operation: Record<string, unknown> = {
      summary: op.summary,
      operationId: `${op.method}${op.path.replaceAll(/[^A-Za-z]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
      parameters,
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          r.schema === undefined
            ? { description: r.description }
            : { description: r.description, content: { [r.contentType ?? "application/json"]: { schema: jsonSchema(r.schema, "output") } } },
        ]),
      ),
    };
    if (op.security !== undefined) operation.security = op.security;
    if (op.body !== undefined) operation.requestBody = { required: false, content: { "application/json": { schema: jsonSchema(op.body, "input") } } };
    (paths[op.path] ??= {})[op.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Stepwise API",
      version: "1.0.0",
      description: "Durable, multi-step workflows on Cloudflare Durable Objects. Errors are application/problem+json with a stable `code`.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the API_TOKEN secret" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  return rest;
}
